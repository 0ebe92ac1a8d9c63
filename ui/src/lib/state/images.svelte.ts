// The Images screen's state: the table (rows, search, sort), the disk usage, the image
// that is open, and the actions (import and export as tasks, tag, remove, prune). Long
// work goes through the app session's task list; when an import or a pull finishes the
// table reloads.
import type {
  ArchiveFormat,
  DiskSummary,
  EngineInfo,
  EngineKind,
  HostPath,
  ImageRow,
  OutdatedImage,
  RemoveResult,
  PruneResult,
  TaskInfo,
} from '../bindings.gen';
import { chosen, type StrataApi } from '../ipc';
import { dropClaim } from './drops';
import { parseReference } from '../shared/rules';
import type { Messages } from '../i18n/en';
import { perSession, ScreenModel, Session } from './session.svelte';

/** The background update check runs at most this often (ms). */
export const UPDATE_INTERVAL = 60 * 60 * 1000;

export const sortKeys = ['repository', 'tag', 'id', 'created', 'size', 'shared'] as const;
export type SortKey = (typeof sortKeys)[number];
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

/** Text columns start A→Z; dates and sizes start with the newest / largest. */
export function firstDir(key: SortKey): Sort['dir'] {
  return key === 'created' || key === 'size' || key === 'shared' ? 'desc' : 'asc';
}

function value(row: ImageRow, key: SortKey): string | number {
  switch (key) {
    case 'created':
      return row.created ? Date.parse(row.created) || 0 : 0;
    case 'size':
      return row.size;
    case 'shared':
      return row.shared;
    default:
      return row[key];
  }
}

/** The rows whose repository, tag, name or ID contain every word of `query`, sorted. */
export function filterSort(rows: readonly ImageRow[], query: string, sort: Sort): ImageRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hits = words.length
    ? rows.filter((r) => {
        const hay = `${r.repository}:${r.tag} ${r.name} ${r.id} ${r.digest}`.toLowerCase();
        return words.every((w) => hay.includes(w));
      })
    : [...rows];
  const sign = sort.dir === 'asc' ? 1 : -1;
  const text = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  return hits.sort((a, b) => {
    const x = value(a, sort.key);
    const y = value(b, sort.key);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : text.compare(String(x), String(y));
    // Ties keep a stable, readable order.
    return c !== 0 ? sign * c : text.compare(`${a.repository}:${a.tag}`, `${b.repository}:${b.tag}`);
  });
}

/** What every dialog about one image row is given; each adds its own `ondone` or `onstarted`. */
export interface RowDialogProps {
  model: ImagesModel;
  row: ImageRow;
  m: Messages;
  onclose: () => void;
}

/** What every tab of an image's page is given; each adds what it needs of its own. */
export interface ImageTabProps {
  api: StrataApi;
  reference: string;
  m: Messages;
}

/** What a row is called on screen: `nginx:latest`, or the short ID of an unnamed image. */
export function rowLabel(row: ImageRow): string {
  return row.name ? `${row.repository}:${row.tag}` : row.id;
}

export class ImagesModel extends ScreenModel {
  rows: ImageRow[] = $state([]);
  usage: DiskSummary | undefined = $state();
  loaded = $state(false);
  loading = $state(false);
  query = $state('');
  sort: Sort = $state({ key: 'created', dir: 'desc' });
  /** The image whose page is open. */
  open: ImageRow | undefined = $state();
  /** Files are being dragged over the window. */
  dragging = $state(false);
  /** The tab the open image's page starts on, when another screen asked for one. */
  openTab: 'overview' | 'history' | 'layers' | 'files' | 'analysis' | 'compare' | 'packages' | undefined = $state();
  /** What the last update check said, by full name (`OutdatedImage.name`, `ImageRow.name`). */
  updates: Record<string, OutdatedImage> = $state({});
  /** An update check is running. */
  checking = $state(false);
  /** When the last update check ended (ms since the epoch); null: never. */
  checkedAt: number | null = $state(null);
  private watchingDrops = false;

  constructor(session: Session | StrataApi) {
    super(session);
    this.tasks.onFinished((task) => {
      // A pull adds an image as an import does.
      if (task.state === 'done' && (task.kind === 'import' || task.kind === 'pull')) void this.refresh();
      // A pulled name is checked again (its badge goes when it is up to date).
      if (task.state === 'done' && task.kind === 'pull' && task.outcome.length > 0) {
        const next = { ...this.updates };
        for (const key of Object.keys(next)) {
          const parsed = parseReference(key);
          if (task.outcome.includes(key) || (parsed.ok && task.outcome.includes(parsed.familiar))) delete next[key];
        }
        this.updates = next;
        this.recheck(task.outcome);
      }
    });
  }

  /**
   * Lists the store again. Ten pulls ending together ask ten times: one listing runs at a
   * time and the asks made meanwhile share one more after it, which sees all of them (a
   * caller awaiting `refresh` always gets rows listed after it asked).
   */
  refresh(): Promise<void> {
    if (!this.listing) return this.startListing();
    this.nextListing ??= this.listing.then(() => {
      this.nextListing = undefined;
      return this.startListing();
    });
    return this.nextListing;
  }
  private listing: Promise<void> | undefined;
  private nextListing: Promise<void> | undefined;

  private startListing(): Promise<void> {
    const run: Promise<void> = this.list().finally(() => {
      if (this.listing === run) this.listing = undefined;
    });
    this.listing = run;
    return run;
  }

  private async list(): Promise<void> {
    this.loading = true;
    try {
      const overview = await this.notices.guard(() => this.api.imagesOverview());
      if (overview) {
        this.rows = overview.rows;
        this.usage = overview.usage;
        // The open image may have lost its name meanwhile.
        if (this.open && !overview.rows.some((r) => r.reference === this.open?.reference)) {
          this.open = undefined;
        }
      }
    } finally {
      this.loading = false;
      this.loaded = true;
    }
  }

  /**
   * The rows shown: searched and sorted, recomputed only when rows, query or sort change.
   * A getter rather than `$derived`: the model outlives the component that first created
   * it, and a derived made inside a component stops updating once that component is gone.
   */
  get visible(): ImageRow[] {
    const { rows, query } = this;
    const { key, dir } = this.sort;
    const last = this.memo;
    if (last && last.rows === rows && last.query === query && last.key === key && last.dir === dir) {
      return last.out;
    }
    const out = filterSort(rows, query, { key, dir });
    this.memo = { rows, query, key, dir, out };
    return out;
  }
  private memo: { rows: ImageRow[]; query: string; key: SortKey; dir: Sort['dir']; out: ImageRow[] } | undefined;

  sortBy(key: SortKey): void {
    this.sort = this.sort.key === key ? { key, dir: this.sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: firstDir(key) };
  }

  /** Opens an image's page by name (after a commit: on its Layers tab). */
  async openByReference(reference: string, tab?: ImagesModel['openTab']): Promise<void> {
    await this.refresh();
    const row = this.rows.find((r) => r.reference === reference || r.name === reference);
    if (row) {
      this.openTab = tab;
      this.open = row;
    }
  }

  /**
   * Asks each pulled image's registry whether its tag names another image now (only
   * `names`, when given). Runs beside the table, never in its way; a second call while one
   * runs does nothing. Resolves to the images checked.
   */
  async checkUpdates(names: string[] | null = null): Promise<OutdatedImage[] | undefined> {
    if (this.checking) return undefined;
    this.checking = true;
    try {
      const list = await this.notices.guard(() => this.api.checkUpdates(names));
      if (list) {
        const next = names === null ? {} : { ...this.updates };
        for (const o of list) next[o.name] = o;
        this.updates = next;
        if (names === null) this.checkedAt = Date.now();
      }
      return list;
    } finally {
      this.checking = false;
      // Names pulled while this check ran: one more check for all of them.
      if (this.toRecheck.size > 0) queueMicrotask(() => this.recheck([]));
    }
  }

  /** Checks `names` again after a pull, batched: one check at a time, for every name asked meanwhile. */
  private recheck(names: string[]): void {
    for (const n of names) this.toRecheck.add(n);
    if (this.checking || this.toRecheck.size === 0) return;
    const batch = [...this.toRecheck];
    this.toRecheck.clear();
    void this.checkUpdates(batch);
  }
  private toRecheck = new Set<string>();

  /** The background check: at most once an hour (`UPDATE_INTERVAL`). */
  maybeCheckUpdates(now: number = Date.now()): void {
    if (this.checkedAt === null || now - this.checkedAt >= UPDATE_INTERVAL) void this.checkUpdates();
  }

  /** The row's name has an update on its registry. */
  hasUpdate(row: ImageRow): boolean {
    return row.name !== '' && this.updates[row.name]?.state === 'update_available';
  }

  /** Pulls the new image under the row's name, as a task. Undefined when refused. */
  async pullUpdate(row: ImageRow): Promise<TaskInfo | undefined> {
    const task = await this.notices.guard(() => this.api.pullImage(row.name, null));
    if (task) this.tasks.put(task);
    return task;
  }

  /** Starts importing an archive (chosen, dropped or typed); the task shows in Tasks. Undefined when refused. */
  async startImport(source: HostPath, tag: string | null = null): Promise<TaskInfo | undefined> {
    const task = await this.notices.guard(() => this.api.importImage(source, tag));
    if (task) this.tasks.put(task);
    return task;
  }

  /** The container engines on this machine; undefined until asked (`loadEngines`). */
  engines: EngineInfo[] | undefined = $state();

  /** Asks which engines are there, once; again only when `force`. */
  async loadEngines(force = false): Promise<EngineInfo[] | undefined> {
    if (this.engines && !force) return this.engines;
    const list = await this.notices.guard(() => this.api.listEngines());
    if (list) this.engines = list;
    return list;
  }

  /** The engine `kind` as found, if it was asked about. */
  engine(kind: EngineKind): EngineInfo | undefined {
    return this.engines?.find((e) => e.kind === kind);
  }

  /** Hands the row's image to the engine, as a task. Undefined when refused. */
  async sendTo(row: ImageRow, engine: EngineKind): Promise<TaskInfo | undefined> {
    const task = await this.notices.guard(() => this.api.sendImage(row.reference, engine));
    if (task) this.tasks.put(task);
    return task;
  }

  async startExport(row: ImageRow, target: HostPath, format: ArchiveFormat, overwrite: boolean): Promise<TaskInfo | undefined> {
    const task = await this.notices.guard(() => this.api.exportImage(row.reference, target, format, overwrite));
    if (task) this.tasks.put(task);
    return task;
  }

  /** Tags; rejects with the problem (the dialog shows it beside the field). */
  async tag(row: ImageRow, target: string): Promise<string> {
    const full = await this.api.tagImage(row.reference, target);
    await this.refresh();
    return full;
  }

  async remove(row: ImageRow, force: boolean): Promise<RemoveResult> {
    const result = await this.api.removeImage(row.reference, force);
    if (this.open?.reference === row.reference) this.open = undefined;
    await this.refresh();
    return result;
  }

  async prune(): Promise<PruneResult | undefined> {
    const result = await this.notices.guard(() => this.api.pruneImages());
    await this.refresh();
    return result;
  }

  /** Bytes a prune would free now: unused blobs and unnamed images nothing uses. */
  get prunable(): number {
    const dangling = this.rows.filter((r) => r.name === '' && r.containers.length === 0);
    return (this.usage?.unused ?? 0) + dangling.reduce((n, r) => n + r.unique, 0);
  }

  /** Imports what is dropped on the window, whatever screen is open. The shell sends a
      token per dropped file (the paths stay on its side). */
  async watchDrops(): Promise<void> {
    if (this.watchingDrops) return;
    this.watchingDrops = true;
    const ok = await this.notices.guard(() =>
      this.api.watchDrops((event) => {
        if (event.type === 'enter') this.dragging = true;
        else if (event.type === 'leave') this.dragging = false;
        else {
          this.dragging = false;
          // A container's Files tab takes the drop as an upload (./drops.ts).
          if (dropClaim.active) return;
          for (const file of event.files) void this.startImport(chosen(file));
        }
      }),
    );
    if (ok === undefined) this.watchingDrops = false;
  }
}

/** The Images screen's model for the app session of `api`, kept while the app runs; it
    imports what is dropped on the window, whatever screen is open. */
export const imagesSession = perSession((session) => {
  const model = new ImagesModel(session);
  void model.watchDrops();
  return model;
});
