// The Registries screen's state: saved registries (with their accounts, usernames only),
// the tree registry → namespace → repository, the open repository's tags, and each tag's
// details, fetched only for the rows the table shows (a few at a time, each once).
import type {
  AcrInstance,
  ApiForm,
  Capabilities,
  CloudAccountView,
  DeletePlan,
  ManagedRepository,
  NewRepositoryForm,
  Preset,
  RegistryView,
  RepositoryTree,
  TagDetails,
  TagPage,
  TaskInfo,
} from '../bindings.gen';
import { toProblem, type Problem, type StrataApi } from '../ipc';
import { perSession, ScreenModel, Session } from './session.svelte';

export type TagSortKey = 'tag' | 'created';
export interface TagSort {
  key: TagSortKey;
  dir: 'asc' | 'desc';
}

/** The repository the tags table shows. */
export interface OpenRepository {
  registry: string;
  repository: string;
}

/** One branch of the tree: a registry's repositories as last listed. */
export interface Branch {
  tree?: RepositoryTree;
  loading: boolean;
  problem?: Problem;
}

/** A tag's details: loaded, failed, or being fetched. */
export type Detail = TagDetails | { problem: Problem } | 'loading';

/** Details fetched at once: enough to fill a screen quickly without flooding the registry. */
const PARALLEL = 4;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * Tags sorted by name (natural order: v2 before v10) or by created time. Sorting by time
 * uses the details fetched so far; tags whose time is not known yet go last either way.
 */
export function sortTags(tags: readonly string[], sort: TagSort, details: ReadonlyMap<string, Detail>): string[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  if (sort.key === 'tag') return [...tags].sort((a, b) => sign * collator.compare(a, b));
  const time = (t: string): number | undefined => {
    const d = details.get(t);
    if (!d || d === 'loading' || 'problem' in d || !d.created) return undefined;
    const ms = Date.parse(d.created);
    return Number.isNaN(ms) ? undefined : ms;
  };
  const keyed = tags.map((t) => ({ t, ms: time(t) }));
  keyed.sort((a, b) => {
    if (a.ms === undefined || b.ms === undefined) {
      if (a.ms !== b.ms) return a.ms === undefined ? 1 : -1;
      return collator.compare(a.t, b.t);
    }
    return a.ms !== b.ms ? sign * (a.ms - b.ms) : collator.compare(a.t, b.t);
  });
  return keyed.map((k) => k.t);
}

/** `LTAI5tAbcdefgh1234` → `LTAI****1234`: how an AccessKey ID is shown (as the engine's `mask_id`). */
export function maskKeyId(id: string): string {
  const chars = [...id];
  if (chars.length <= 8) return '*'.repeat(Math.max(chars.length, 4));
  return `${chars.slice(0, 4).join('')}****${chars.slice(-4).join('')}`;
}

/** The endpoint an ACR-style template gives for a region (`registry.{region}.aliyuncs.com`). */
export function fillTemplate(template: string, region: string): string {
  return template.replace('{region}', region);
}

/** Pages of tags followed at most after the first (as the engine's listing allows). */
const MAX_TAG_PAGES = 10_000;
/** Pages arriving within this long are shown together. */
const TAG_BATCH_MS = 250;

export class RegistriesModel extends ScreenModel {
  registries: RegistryView[] = $state([]);
  presets: Preset[] = $state([]);
  /** The named cloud accounts (AccessKey IDs only) and the registries using each. */
  cloudAccounts: CloudAccountView[] = $state([]);
  loaded = $state(false);
  /** Registry endpoint → its branch of the tree. */
  branches: Record<string, Branch> = $state({});
  /** Expanded tree nodes: `endpoint` and `endpoint/namespace`. */
  expanded: Record<string, boolean> = $state({});
  open: OpenRepository | undefined = $state();
  /** Raw, replaced whole on every page: tens of thousands of names need no proxy each. */
  tags: string[] = $state.raw([]);
  tagsLoading = $state(false);
  /** True while pages after the first are still coming (the table is already shown). */
  tagsLoadingMore = $state(false);
  tagsProblem: Problem | undefined = $state();
  sort: TagSort = $state({ key: 'tag', dir: 'asc' });
  /** Tag → details. Replaced (not mutated) so that readers re-render. */
  details: Map<string, Detail> = $state(new Map());
  /** The open repository as the management API describes it (summary, detail, visibility). */
  info: ManagedRepository | undefined = $state();
  private queue: string[] = [];
  private inFlight = 0;
  /** Bumped whenever the open repository changes: late answers for another one are dropped. */
  private generation = 0;

  constructor(session: Session | StrataApi) {
    super(session);
    // A finished copy or push may have made a repository (a push dialog may have created
    // one through the registry's API first): list its registry again if it is shown.
    this.tasks.onFinished((task) => {
      if ((task.kind !== 'copy' && task.kind !== 'push') || task.state !== 'done' || !task.target) return;
      const endpoint = Object.keys(this.branches).find((e) => task.target!.startsWith(`${e}/`));
      if (endpoint) void this.browse(endpoint);
    });
  }

  get sortedTags(): string[] {
    return sortTags(this.tags, this.sort, this.details);
  }

  async refresh(): Promise<void> {
    const [list, presets, accounts] = await Promise.all([
      this.notices.guard(() => this.api.listRegistries()),
      this.presets.length ? Promise.resolve(this.presets) : this.notices.guard(() => this.api.registryPresets()),
      this.notices.guard(() => this.api.listCloudAccounts()),
    ]);
    if (list) this.registries = list;
    if (presets) this.presets = presets;
    if (accounts) this.cloudAccounts = accounts;
    this.loaded = true;
  }

  registry(endpoint: string): RegistryView | undefined {
    return this.registries.find((r) => r.endpoint === endpoint);
  }

  private upsert(view: RegistryView): void {
    const i = this.registries.findIndex((r) => r.endpoint === view.endpoint);
    if (i >= 0) this.registries[i] = view;
    else this.registries = [...this.registries, view].sort((a, b) => collator.compare(a.name, b.name));
  }

  /** Lists a registry's repositories (again). Failures show in the branch, not as a banner. */
  async browse(endpoint: string): Promise<void> {
    this.branches[endpoint] = { ...this.branches[endpoint], loading: true, problem: undefined };
    try {
      const tree = await this.api.browseRegistry(endpoint);
      this.branches[endpoint] = { tree, loading: false };
    } catch (e) {
      this.branches[endpoint] = { loading: false, problem: toProblem(e) };
    }
  }

  /** What the registry's management API can do; `undefined` when its tree came from the catalog. */
  capabilities(endpoint: string): Capabilities | undefined {
    return this.branches[endpoint]?.tree?.api ?? undefined;
  }

  /** Logs in with a temporary password from the registry's API (no password asked), then re-lists. */
  async loginWithApi(endpoint: string): Promise<string> {
    const account = await this.api.loginWithApi(endpoint);
    await this.refresh();
    if (this.expanded[endpoint] || this.branches[endpoint]) await this.browse(endpoint);
    return account.username;
  }

  async createNamespace(endpoint: string, name: string, isPublic: boolean): Promise<void> {
    await this.api.createNamespace(endpoint, name.trim(), isPublic);
    this.expanded[endpoint] = true;
    this.expanded[`${endpoint}/${name.trim()}`] = true;
    await this.browse(endpoint);
  }

  async deleteNamespace(endpoint: string, name: string): Promise<void> {
    await this.api.deleteNamespace(endpoint, name);
    if (this.open?.registry === endpoint && this.open.repository.startsWith(`${name}/`)) this.close();
    await this.browse(endpoint);
  }

  async createRepository(endpoint: string, form: NewRepositoryForm): Promise<void> {
    await this.api.createRepository(endpoint, form);
    this.expanded[endpoint] = true;
    this.expanded[`${endpoint}/${form.namespace}`] = true;
    await this.browse(endpoint);
  }

  async deleteRepository(endpoint: string, repository: string): Promise<void> {
    const [namespace, name] = splitRepository(repository);
    await this.api.deleteRepository(endpoint, namespace, name);
    if (this.open?.registry === endpoint && this.open.repository === repository) this.close();
    await this.browse(endpoint);
  }

  /** Opens or closes a tree node; opening a registry the first time lists it. */
  toggle(key: string): void {
    const now = !this.expanded[key];
    this.expanded[key] = now;
    if (now && !key.includes('/') && !this.branches[key]) void this.browse(key);
  }

  async add(form: Parameters<StrataApi['addRegistry']>[0]): Promise<RegistryView> {
    const view = await this.api.addRegistry(form);
    this.upsert(view);
    if (form.api) await this.refreshCloudAccounts();
    return view;
  }

  async remove(endpoint: string): Promise<void> {
    await this.api.removeRegistry(endpoint);
    this.registries = this.registries.filter((r) => r.endpoint !== endpoint);
    delete this.branches[endpoint];
    if (this.open?.registry === endpoint) this.close();
    await this.refreshCloudAccounts();
  }

  async refreshCloudAccounts(): Promise<void> {
    const accounts = await this.notices.guard(() => this.api.listCloudAccounts());
    if (accounts) this.cloudAccounts = accounts;
  }

  /** Removes a cloud account (refused while a registry uses it) and its secret. */
  async removeCloudAccount(name: string): Promise<void> {
    await this.api.removeCloudAccount(name);
    this.cloudAccounts = this.cloudAccounts.filter((a) => a.name !== name);
  }

  /** ACR Enterprise: the instances an AccessKey (or a saved account) sees, for the Add dialog. */
  acrInstances(form: ApiForm): Promise<AcrInstance[]> {
    return this.api.acrInstances(form);
  }

  /** Logs in (the shell checks the password with the registry first), then re-lists. */
  async login(endpoint: string, username: string, password: string, namespace: string | null, makeDefault: boolean): Promise<void> {
    await this.api.loginRegistry(endpoint, username, password, namespace, makeDefault);
    await this.refresh();
    if (this.expanded[endpoint] || this.branches[endpoint]) await this.browse(endpoint);
  }

  async logout(endpoint: string, username: string | null): Promise<void> {
    await this.api.logoutRegistry(endpoint, username);
    await this.refresh();
  }

  async addRepository(endpoint: string, repository: string): Promise<void> {
    const view = await this.api.addRepositories(endpoint, [repository.trim()]);
    this.upsert(view);
    this.expanded[endpoint] = true;
    await this.browse(endpoint);
  }

  /** Opens a repository: lists every tag; details come as rows are shown. */
  async openRepository(registry: string, repository: string): Promise<void> {
    this.generation += 1;
    const generation = this.generation;
    this.open = { registry, repository };
    this.tags = [];
    this.details = new Map();
    this.queue = [];
    this.tagsProblem = undefined;
    this.tagsLoading = true;
    this.info = undefined;
    if (this.capabilities(registry)) {
      const [namespace, name] = splitRepository(repository);
      void this.api.repositoryInfo(registry, namespace, name).then(
        (info) => generation === this.generation && (this.info = info),
        () => undefined,
      );
    }
    try {
      const first = await this.api.listTagsPage(registry, repository, null);
      if (generation !== this.generation) return;
      this.tags = first.tags;
      this.tagsLoading = false;
      if (first.next !== null) await this.loadRest(registry, repository, first, generation);
    } catch (e) {
      if (generation === this.generation) this.tagsProblem = toProblem(e);
    } finally {
      if (generation === this.generation) {
        this.tagsLoading = false;
        this.tagsLoadingMore = false;
      }
    }
  }

  /**
   * The pages after the first, while the first is shown: appended in batches so that a
   * repository of 50,000 tags redraws a few times, not fifty. Stops when another
   * repository is opened, at the end, or at a page that lists nothing new.
   */
  private async loadRest(
    registry: string,
    repository: string,
    first: TagPage,
    generation: number,
  ): Promise<void> {
    this.tagsLoadingMore = true;
    const seen = new Set(first.tags);
    const cursors = new Set<string>();
    let pending: string[] = [];
    let next = first.next;
    let shownAt = Date.now();
    while (next !== null && !cursors.has(next) && cursors.size < MAX_TAG_PAGES) {
      cursors.add(next);
      const page = await this.api.listTagsPage(registry, repository, next);
      if (generation !== this.generation) return;
      const fresh = page.tags.filter((t) => !seen.has(t));
      if (fresh.length === 0) break;
      for (const t of fresh) seen.add(t);
      pending = pending.concat(fresh);
      next = page.next;
      if (next === null || Date.now() - shownAt >= TAG_BATCH_MS) {
        this.tags = this.tags.concat(pending);
        pending = [];
        shownAt = Date.now();
      }
    }
    if (pending.length > 0) this.tags = this.tags.concat(pending);
  }

  close(): void {
    this.generation += 1;
    this.open = undefined;
    this.info = undefined;
    this.tags = [];
    this.details = new Map();
    this.queue = [];
  }

  /** Asks for the details of `tags` (the visible rows) that are not known or coming. */
  want(tags: readonly string[]): void {
    const fresh = tags.filter((t) => !this.details.has(t) && !this.queue.includes(t));
    if (fresh.length === 0) return;
    // The newest request first: what is on screen now matters more than what scrolled by.
    this.queue = [...fresh, ...this.queue.filter((t) => !fresh.includes(t))];
    this.pump();
  }

  private pump(): void {
    const open = this.open;
    while (open && this.inFlight < PARALLEL && this.queue.length > 0) {
      const tag = this.queue.shift()!;
      this.setDetail(tag, 'loading');
      this.inFlight += 1;
      const generation = this.generation;
      void this.api
        .tagDetails(open.registry, open.repository, tag)
        .then(
          (d) => generation === this.generation && this.setDetail(tag, d),
          (e) => generation === this.generation && this.setDetail(tag, { problem: toProblem(e) }),
        )
        .finally(() => {
          this.inFlight -= 1;
          if (generation === this.generation) this.pump();
        });
    }
  }

  private setDetail(tag: string, detail: Detail): void {
    const next = new Map(this.details);
    next.set(tag, detail);
    this.details = next;
  }

  sortBy(key: TagSortKey): void {
    this.sort =
      this.sort.key === key
        ? { key, dir: this.sort.dir === 'asc' ? 'desc' : 'asc' }
        : { key, dir: key === 'created' ? 'desc' : 'asc' };
  }

  async retag(source: string, target: string): Promise<void> {
    const open = this.requireOpen();
    await this.api.retagRemote(open.registry, open.repository, source, target);
    await this.reloadTags(open);
  }

  async planDelete(tag: string): Promise<DeletePlan> {
    const open = this.requireOpen();
    return this.api.planDeleteTag(open.registry, open.repository, tag);
  }

  async deleteTag(tag: string, allowShared: boolean): Promise<DeletePlan> {
    const open = this.requireOpen();
    const plan = await this.api.deleteTag(open.registry, open.repository, tag, allowShared);
    await this.reloadTags(open);
    return plan;
  }

  async copy(source: string, target: string): Promise<TaskInfo> {
    const task = await this.api.copyImage(source, target);
    this.tasks.put(task);
    return task;
  }

  /** Lists the tags again, keeping the details of tags that are still there. */
  private async reloadTags(open: OpenRepository): Promise<void> {
    const tags = await this.api.listTags(open.registry, open.repository);
    if (this.open !== open) return;
    const keep = new Map([...this.details].filter(([t, d]) => tags.includes(t) && d !== 'loading'));
    // A retag points an existing name elsewhere: forget it so that it is fetched again.
    this.tags = tags;
    this.details = keep;
  }

  /** Forgets one tag's details (after a retag onto an existing name). */
  forget(tag: string): void {
    const next = new Map(this.details);
    next.delete(tag);
    this.details = next;
  }

  private requireOpen(): OpenRepository {
    if (!this.open) throw new Error('no repository is open');
    return this.open;
  }
}

/** `team/app` → [`team`, `app`]: a managed repository's namespace and name. */
export function splitRepository(repository: string): [string, string] {
  const slash = repository.indexOf('/');
  return slash < 0 ? ['', repository] : [repository.slice(0, slash), repository.slice(slash + 1)];
}

/** The full reference of a tag: `host/repo:tag`. */
export function tagRef(open: OpenRepository, tag: string): string {
  return `${open.registry}/${open.repository}:${tag}`;
}

/**
 * The Registries screen's model for the app session of `api`, kept while the app runs
 * (leaving the screen and coming back keeps the open repository); a copy it starts shows
 * on the Tasks screen.
 */
export const registriesSession = perSession((session) => new RegistriesModel(session));
