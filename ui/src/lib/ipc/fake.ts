// The test double for StrataApi, also used when the page runs in a plain browser (`npm run
// dev` without the shell). It keeps settings in memory and can be told to fail, so that
// tests can show how the UI handles a Problem.
import type {
  AppInfo,
  ArchiveFormat,
  CheckedReference,
  DiskSummary,
  DropEvent,
  FileEntry,
  FileListing,
  HistoryRow,
  ImageInfo,
  ImageRow,
  ImagesOverview,
  LayerView,
  PruneResult,
  RemoveResult,
  Settings,
  SettingsPatch,
  TaskEvent,
  TaskInfo,
} from '../bindings.gen';
import { fakeInfo, fakeLayers, fakeRow, fakeTask, fakeTree, usageOf } from './fake-images';
import type { StrataApi } from './api';
import { ProblemError, type Problem } from './problem';

type Method = keyof StrataApi;

export class FakeApi implements StrataApi {
  settings: Settings;
  info: AppInfo = {
    version: '0.0.0-browser',
    home: '/tmp/strata',
    home_source: 'platform',
    settings_path: '/tmp/strata/settings.json',
  };
  /** Every call, in order, with its argument: what tests assert on. */
  readonly calls: { method: Method; arg?: unknown }[] = [];
  readyCount = 0;
  private failures = new Map<Method, Problem>();

  constructor(settings: Partial<Settings> = {}) {
    this.settings = { language: 'system', theme: 'system', ...settings };
  }

  /** Makes the next calls of `method` reject with `problem` until `succeed` is called. */
  fail(method: Method, problem: Problem): this {
    this.failures.set(method, problem);
    return this;
  }

  succeed(method: Method): this {
    this.failures.delete(method);
    return this;
  }

  private check(method: Method, arg?: unknown): void {
    this.calls.push(arg === undefined ? { method } : { method, arg });
    const problem = this.failures.get(method);
    if (problem) throw new ProblemError(problem);
  }

  async appInfo(): Promise<AppInfo> {
    this.check('appInfo');
    return { ...this.info };
  }

  async getSettings(): Promise<Settings> {
    this.check('getSettings');
    return { ...this.settings };
  }

  async setSettings(patch: SettingsPatch): Promise<Settings> {
    this.check('setSettings', patch);
    this.settings = { ...this.settings, ...patch };
    return { ...this.settings };
  }

  async uiReady(): Promise<void> {
    this.check('uiReady');
    this.readyCount += 1;
  }

  // ---- the Images screen: an in-memory store ------------------------------------------

  /** The table's rows; tests fill it with `fakeRow(…)` from ./fake-images. */
  images: ImageRow[] = [];
  /** The disk usage; computed from `images` when unset. */
  usage: DiskSummary | undefined;
  layers: LayerView[] = fakeLayers();
  /** Folders of the merged tree by path ('' = root), whatever the image and layer. */
  tree: Record<string, FileEntry[]> = fakeTree();
  /** What the native dialogs return next (null: the person cancelled). */
  pickedPath: string | null = null;
  private taskWatchers: ((event: TaskEvent) => void)[] = [];
  private dropWatchers: ((event: DropEvent) => void)[] = [];
  tasks: TaskInfo[] = [];
  private nextTask = 1;

  private row(reference: string): ImageRow {
    const row = this.images.find((r) => r.reference === reference || r.digest === reference);
    if (!row) {
      throw new ProblemError({
        code: 'store.not_found',
        message: `no image "${reference}" in the store`,
        hint: '`strata images` lists the images in the store',
      });
    }
    return row;
  }

  async imagesOverview(): Promise<ImagesOverview> {
    this.check('imagesOverview');
    return { rows: this.images.map((r) => ({ ...r })), usage: this.usage ?? usageOf(this.images) };
  }

  async inspectImage(reference: string): Promise<ImageInfo> {
    this.check('inspectImage', reference);
    return fakeInfo(this.row(reference));
  }

  async imageHistory(reference: string): Promise<HistoryRow[]> {
    this.check('imageHistory', reference);
    this.row(reference);
    return [...this.layers].reverse().map((l) => ({
      created: '2026-01-01T00:00:00Z',
      created_by: l.created_by,
      comment: null,
      empty_layer: false,
      layer: l.digest,
      size: l.size,
    }));
  }

  async imageLayers(reference: string): Promise<LayerView[]> {
    this.check('imageLayers', reference);
    this.row(reference);
    return this.layers.map((l) => ({ ...l }));
  }

  async imageFiles(reference: string, layer: number | null, dir: string): Promise<FileListing> {
    this.check('imageFiles', { reference, layer, dir });
    this.row(reference);
    const top = this.layers.length - 1;
    return { layer_count: this.layers.length, layer: layer ?? top, dir, entries: this.tree[dir] ?? [] };
  }

  async checkReference(reference: string): Promise<CheckedReference> {
    this.check('checkReference', reference);
    const text = reference.trim();
    if (!/^[a-z0-9]+([._/-][a-z0-9]+)*(:[\w][\w.-]{0,127})?$/.test(text)) {
      throw new ProblemError({
        code: 'reference.invalid',
        message: `"${reference}" is not a valid image reference`,
        hint: 'names are lowercase, like nginx:1.25 or ghcr.io/owner/app:v1',
      });
    }
    const familiar = text.includes(':') ? text : `${text}:latest`;
    const full = familiar.split('/')[0]!.includes('.') ? familiar : `docker.io/${familiar.includes('/') ? '' : 'library/'}${familiar}`;
    return { full, familiar };
  }

  async tagImage(source: string, target: string): Promise<string> {
    this.check('tagImage', { source, target });
    const from = this.row(source);
    const { full, familiar } = await this.checkReference(target);
    this.images = this.images.filter((r) => r.name !== full);
    const row = fakeRow(familiar, { ...from, name: full, reference: full });
    const at = familiar.lastIndexOf(':');
    row.repository = familiar.slice(0, at);
    row.tag = familiar.slice(at + 1);
    this.images.push(row);
    return full;
  }

  async removeImage(reference: string, force: boolean): Promise<RemoveResult> {
    this.check('removeImage', { reference, force });
    const row = this.row(reference);
    if (row.containers.length > 0 && !force) {
      throw new ProblemError({
        code: 'store.in_use',
        message: `image ${row.repository}:${row.tag} is used by container(s) ${row.containers.join(', ')}`,
        hint: 'remove the containers first, or pass --force',
      });
    }
    this.images = this.images.filter((r) => r !== row);
    const left = this.images.some((r) => r.digest === row.digest);
    return {
      untagged: row.name ? [`${row.repository}:${row.tag}`] : [],
      image_removed: !left,
      bytes_freed: left ? 0 : row.unique,
    };
  }

  async pruneImages(): Promise<PruneResult> {
    this.check('pruneImages');
    const gone = this.images.filter((r) => r.name === '' && r.containers.length === 0);
    this.images = this.images.filter((r) => !gone.includes(r));
    return { images_removed: gone.length, blobs_removed: gone.length, bytes_freed: gone.reduce((n, r) => n + r.unique, 0) };
  }

  async importImage(path: string, tag: string | null): Promise<TaskInfo> {
    this.check('importImage', { path, tag });
    return this.startTask(fakeTask(0, { kind: 'import', subject: path }));
  }

  async exportImage(reference: string, path: string, format: ArchiveFormat, overwrite: boolean): Promise<TaskInfo> {
    this.check('exportImage', { reference, path, format, overwrite });
    const row = this.row(reference);
    return this.startTask(fakeTask(0, { kind: 'export', subject: `${row.repository}:${row.tag}`, target: path }));
  }

  async chooseImportPath(title: string, filterName: string): Promise<string | null> {
    this.check('chooseImportPath', { title, filterName });
    return this.pickedPath;
  }

  async chooseExportPath(title: string, fileName: string): Promise<string | null> {
    this.check('chooseExportPath', { title, fileName });
    return this.pickedPath;
  }

  async watchDrops(onEvent: (event: DropEvent) => void): Promise<void> {
    this.check('watchDrops');
    this.dropWatchers.push(onEvent);
  }

  /** What the shell sends when files are dragged onto the window. */
  drop(event: DropEvent): void {
    for (const watcher of this.dropWatchers) watcher(event);
  }

  // ---- the Tasks screen ---------------------------------------------------------------

  async watchTasks(onEvent: (event: TaskEvent) => void): Promise<TaskInfo[]> {
    this.check('watchTasks');
    this.taskWatchers.push(onEvent);
    return this.tasks.map((t) => ({ ...t }));
  }

  async cancelTask(id: number): Promise<void> {
    this.check('cancelTask', id);
    this.updateTask(id, { state: 'cancelled' });
  }

  async clearFinishedTasks(): Promise<number[]> {
    this.check('clearFinishedTasks');
    const ids = this.tasks.filter((t) => t.state !== 'running').map((t) => t.id);
    this.tasks = this.tasks.filter((t) => t.state === 'running');
    for (const watcher of this.taskWatchers) watcher({ type: 'removed', ids });
    return ids;
  }

  private startTask(task: TaskInfo): TaskInfo {
    const started = { ...task, id: this.nextTask++ };
    this.tasks.push(started);
    for (const watcher of this.taskWatchers) watcher({ type: 'update', task: { ...started } });
    return { ...started };
  }

  /** Changes a task as the shell would (progress, finishing) and tells the watchers. */
  updateTask(id: number, change: Partial<TaskInfo>): void {
    const task = this.tasks.find((t) => t.id === id);
    if (!task) return;
    Object.assign(task, change);
    for (const watcher of this.taskWatchers) watcher({ type: 'update', task: { ...task } });
  }
}
