// The Tasks screen's state: every task the shell runs (imports, exports), kept up to date
// by one subscription (`watch_tasks`, a typed channel of TaskEvents). Other screens ask to
// hear when a task finishes, e.g. the Images screen reloads after an import.
import type { TaskEvent, TaskInfo } from '../bindings.gen';
import type { StrataApi } from '../ipc';
import { Notices } from './notices.svelte';

/**
 * How often a running task's progress reaches the screen at most. The engine throttles each
 * task's events to about ten a second, but ten transfers at once are a hundred, and drawing
 * every one kept the window from painting (make bench-app): progress of running tasks is
 * gathered and drawn together; a task's start, end or failure is drawn at once.
 */
const PROGRESS_EVERY_MS = 100;

export class TasksModel {
  /**
   * Newest first. Raw (not deeply reactive): a task is replaced whole by its next event, so
   * proxying every unit of every task would be work for nothing.
   */
  items: TaskInfo[] = $state.raw([]);
  /** Progress of running tasks not drawn yet, by id (the latest event of each). */
  private pending = new Map<number, TaskInfo>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  readonly notices: Notices;
  private readonly api: StrataApi;
  private watching: Promise<void> | undefined;
  private listeners = new Set<(task: TaskInfo) => void>();

  constructor(api: StrataApi, notices = new Notices()) {
    this.api = api;
    this.notices = notices;
  }

  // Getters, not `$derived`: the model outlives the components that read it.
  get running(): number {
    return this.items.filter((t) => t.state === 'running').length;
  }

  get finished(): number {
    return this.items.length - this.running;
  }

  /** Subscribes once; later calls wait for the same subscription. */
  watch(): Promise<void> {
    this.watching ??= (async () => {
      const now = await this.notices.guard(() => this.api.watchTasks((e) => this.apply(e)));
      if (!now) {
        this.watching = undefined;
        return;
      }
      for (const task of now) this.put(task);
    })();
    return this.watching;
  }

  /** Calls `listener` with every task that leaves the running state. */
  onFinished(listener: (task: TaskInfo) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  apply(event: TaskEvent): void {
    if (event.type === 'removed') {
      const gone = new Set(event.ids);
      for (const id of gone) this.pending.delete(id);
      this.items = this.items.filter((t) => !gone.has(t.id));
      return;
    }
    const before = this.items.find((t) => t.id === event.task.id);
    if (event.task.state === 'running' && before?.state === 'running') {
      this.pending.set(event.task.id, event.task);
      this.flushTimer ??= setTimeout(() => this.flush(), PROGRESS_EVERY_MS);
      return;
    }
    this.pending.delete(event.task.id);
    this.put(event.task);
    if (event.task.state !== 'running' && before?.state !== event.task.state) {
      for (const listener of this.listeners) listener(event.task);
    }
  }

  /** Draws the progress gathered since the last time, all tasks in one update. */
  private flush(): void {
    this.flushTimer = undefined;
    if (this.pending.size === 0) return;
    const next = this.items.map((t) => {
      const update = this.pending.get(t.id);
      return update && t.state === 'running' ? update : t;
    });
    this.pending.clear();
    this.items = next;
  }

  /** A task the shell just started (the command's answer may beat its first event). */
  put(task: TaskInfo): void {
    const i = this.items.findIndex((t) => t.id === task.id);
    if (i >= 0) {
      // Events can overtake each other's answers: a finished task stays finished.
      if (this.items[i]!.state !== 'running' && task.state === 'running') return;
      this.items = this.items.map((t, j) => (j === i ? task : t));
    } else {
      this.items = [task, ...this.items].sort((a, b) => b.id - a.id);
    }
  }

  async cancel(id: number): Promise<void> {
    await this.notices.guard(() => this.api.cancelTask(id));
  }

  async clearFinished(): Promise<void> {
    const ids = await this.notices.guard(() => this.api.clearFinishedTasks());
    if (ids) this.apply({ type: 'removed', ids });
  }
}

/** Percent done (0–100), or undefined when the total is unknown. */
export function percent(task: TaskInfo): number | undefined {
  if (task.state === 'done') return 100;
  if (!task.total) return undefined;
  return Math.min(100, Math.floor((task.done / task.total) * 100));
}
