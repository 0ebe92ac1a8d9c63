// The Tasks screen's state: every task the shell runs (imports, exports), kept up to date
// by one subscription (`watch_tasks`, a typed channel of TaskEvents). Other screens ask to
// hear when a task finishes, e.g. the Images screen reloads after an import.
import type { TaskEvent, TaskInfo } from '../bindings.gen';
import type { StrataApi } from '../ipc';
import { Notices } from './notices.svelte';

export class TasksModel {
  /** Newest first. */
  items: TaskInfo[] = $state([]);
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
      this.items = this.items.filter((t) => !gone.has(t.id));
      return;
    }
    const before = this.items.find((t) => t.id === event.task.id);
    this.put(event.task);
    if (event.task.state !== 'running' && before?.state !== event.task.state) {
      for (const listener of this.listeners) listener(event.task);
    }
  }

  /** A task the shell just started (the command's answer may beat its first event). */
  put(task: TaskInfo): void {
    const i = this.items.findIndex((t) => t.id === task.id);
    if (i >= 0) {
      // Events can overtake each other's answers: a finished task stays finished.
      if (this.items[i]!.state !== 'running' && task.state === 'running') return;
      this.items[i] = task;
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
