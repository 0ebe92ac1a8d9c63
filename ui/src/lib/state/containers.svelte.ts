// The Containers screen's state: the list, the container whose page is open, and the
// long work (create, commit) started as tasks. It uses the app session's task list and
// problems, so a create or a commit shows on the Tasks screen and its failure in the
// window's banner; a finished create opens the new container, a finished commit calls
// back with the new image's name (the app then opens that image on its Layers tab).
import type { CommitRequest, ContainerRow, PickedPath, TaskInfo } from '../bindings.gen';
import type { StrataApi } from '../ipc';
import { dropClaim } from './drops';
import { perSession, ScreenModel, Session } from './session.svelte';

export class ContainersModel extends ScreenModel {
  rows: ContainerRow[] = $state([]);
  loaded = $state(false);
  /** The container whose page is open. */
  open: ContainerRow | undefined = $state();
  /** The create dialog is open, with this image chosen ('' for none). */
  createFor: string | undefined = $state();
  /** Files are dragged over the window while a Files tab takes drops. */
  dragging = $state(false);
  private dropTarget: ((files: PickedPath[]) => void) | undefined;
  private watchingDrops = false;
  /** Tasks whose end the screen waits for: open the container, or the image. */
  private waiting = new Map<number, (task: TaskInfo) => void>();

  constructor(session: Session | StrataApi) {
    super(session);
    this.tasks.onFinished((task) => this.finished(task));
  }

  private finished(task: TaskInfo): void {
    const then = this.waiting.get(task.id);
    this.waiting.delete(task.id);
    if (task.kind === 'create' || task.kind === 'commit') void this.refresh();
    if (then && task.state === 'done') then(task);
  }

  /** Runs `then` when the task is done, also when it finished before the command answered. */
  private follow(task: TaskInfo, then: (task: TaskInfo) => void): void {
    this.tasks.put(task);
    const now = this.tasks.items.find((t) => t.id === task.id) ?? task;
    if (now.state === 'running') this.waiting.set(task.id, then);
    else if (now.state === 'done') then(now);
  }

  /** Rows' sizes are being counted (a row whose size is still null shows it is coming). */
  counting = $state(false);
  /** Bumped by each refresh, so that counts still coming for an older list are dropped. */
  private generation = 0;

  /** Lists the containers, then counts each one's changes in the background. */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    try {
      const listed = await this.notices.guard(() => this.api.listContainers());
      if (listed && generation === this.generation) {
        // A row keeps the counts it had until it is counted again: no flicker.
        const before = new Map(this.rows.map((r) => [r.id, r]));
        const rows = listed.map((r) => {
          const old = before.get(r.id);
          return old ? { ...r, size: old.size, changes: old.changes } : r;
        });
        this.rows = rows;
        const open = this.open;
        // The open container may be gone.
        this.open = open ? rows.find((r) => r.id === open.id) : undefined;
        void this.count(generation, rows);
      }
    } finally {
      this.loaded = true;
    }
  }

  /** Counts the rows' changes one container at a time: each count walks the container's
      writable layer, or a copy-mode container's whole root filesystem. The open
      container's page shows its count too, so it goes first. A count that fails (the
      container went meanwhile) leaves its row uncounted. */
  private async count(generation: number, rows: ContainerRow[]): Promise<void> {
    this.counting = true;
    const left = [...rows];
    try {
      while (left.length > 0) {
        const open = left.findIndex((r) => r.id === this.open?.id);
        const [row] = left.splice(Math.max(open, 0), 1) as [ContainerRow];
        let counted: ContainerRow;
        try {
          counted = await this.api.getContainer(row.name);
        } catch {
          if (generation !== this.generation) return;
          this.rows = this.rows.map((r) => (r.id === row.id ? { ...r, size: null, changes: null } : r));
          continue;
        }
        if (generation !== this.generation) return;
        this.rows = this.rows.map((r) => (r.id === counted.id ? counted : r));
        if (this.open?.id === counted.id) this.open = counted;
      }
    } finally {
      if (generation === this.generation) this.counting = false;
    }
  }

  /** Starts a create task; the container's page opens when it is done. Rejects with the
      problem (the dialog shows it). */
  async create(image: string, name: string | null): Promise<TaskInfo> {
    const task = await this.api.createContainer(image, name);
    this.follow(task, async (done) => {
      await this.refresh();
      const made = this.rows.find((r) => r.name === done.outcome[0]);
      if (made) this.open = made;
    });
    return task;
  }

  async remove(row: ContainerRow): Promise<boolean> {
    const ok = await this.notices.guard(() => this.api.removeContainer(row.name));
    if (this.open?.id === row.id) this.open = undefined;
    await this.refresh();
    return ok !== undefined;
  }

  /** Starts a commit task; `then` gets the new image's full name when it is done. */
  async commit(row: ContainerRow, request: CommitRequest, then: (image: string) => void): Promise<TaskInfo> {
    const task = await this.api.commitContainer(row.name, request);
    this.follow(task, (done) => {
      if (done.outcome[0]) then(done.outcome[0]);
    });
    return task;
  }

  /** While the returned function is not called, files dropped on the window go to
      `target` (a Files tab's upload) and are not imported as images. */
  claimDrops(target: (files: PickedPath[]) => void): () => void {
    this.dropTarget = target;
    dropClaim.active = true;
    void this.watchDrops();
    return () => {
      if (this.dropTarget !== target) return;
      this.dropTarget = undefined;
      this.dragging = false;
      dropClaim.active = false;
    };
  }

  private async watchDrops(): Promise<void> {
    if (this.watchingDrops) return;
    this.watchingDrops = true;
    const ok = await this.notices.guard(() =>
      this.api.watchDrops((event) => {
        const target = this.dropTarget;
        if (event.type === 'enter') this.dragging = target !== undefined;
        else if (event.type === 'leave') this.dragging = false;
        else {
          this.dragging = false;
          target?.(event.files);
        }
      }),
    );
    if (ok === undefined) this.watchingDrops = false;
  }
}

/** The Containers screen's model for the app session of `api`, kept while the app runs. */
export const containersSession = perSession((session) => new ContainersModel(session));
