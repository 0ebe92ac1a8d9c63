// The test double for StrataApi, also used when the page runs in a plain browser (`npm run
// dev` without the shell). It keeps settings in memory and can be told to fail, so that
// tests can show how the UI handles a Problem.
import type {
  Analysis,
  AppInfo,
  ArchiveFormat,
  CheckedReference,
  Comparison,
  DiskSummary,
  OutdatedImage,
  Packages,
  SbomFormat,
  DropEvent,
  EngineImage,
  EngineInfo,
  EngineKind,
  FileEntry,
  FileListing,
  HistoryRow,
  HostPath,
  ImageInfo,
  ImageRow,
  ImagesOverview,
  LayerView,
  PickedPath,
  PruneResult,
  RemoveResult,
  MirrorImport,
  MirrorSource,
  ProxySettings,
  Settings,
  SettingsPatch,
  TaskEvent,
  TaskInfo,
} from '../bindings.gen';
import type {
  Account,
  AcrInstance,
  ApiForm,
  CloudAccountView,
  DeletePlan,
  ManagedNamespace,
  ManagedRepository,
  MissingRepository,
  NewRegistryForm,
  NewRepositoryForm,
  Preset,
  PushScript,
  RegistryView,
  RepositoryTree,
  Retagged,
  SavedRegistry,
  ScriptTool,
  TagDetails,
  TagPage,
} from '../bindings.gen';
import type {
  CommitPreview,
  CommitRequest,
  ContainerListing,
  ContainerRow,
  DiffRow,
  TerminalEvent,
  TextFile,
} from '../bindings.gen';
import { FakeContainers } from './fake-containers';
import { FakeRegistries } from './fake-registries';
import { fakeAnalysis, fakeComparison, fakeInfo, fakePackages, fakeLayers, fakeRow, fakeTask, fakeTree, usageOf } from './fake-images';
import type { PushTarget } from '../bindings.gen';
import { HOST_PATHS } from '../shared/rules.gen';
import { changeLooksRight, parseReference, platformOk } from '../shared/rules';
import type { StrataApi, TerminalNetwork } from './api';
import { ProblemError, type Problem } from './problem';

type Method = keyof StrataApi;

/** Which host paths a command takes, as the shell says (generated from host_path.rs). */
type Accepts = (typeof HOST_PATHS)[keyof typeof HOST_PATHS];
/** What a path was chosen for, as the shell records it. */
type Purpose = Accepts['purposes'][number];
const {
  import_source: IMPORT_SOURCE,
  export_target: EXPORT_TARGET,
  upload_source: UPLOAD_SOURCE,
  registry_ca: REGISTRY_CA,
  sbom_target: SBOM_TARGET,
} = HOST_PATHS;

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
    this.settings = {
      language: 'system',
      theme: 'system',
      push_compression: 'auto',
      push_compression_level: 0,
      ...settings,
    };
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

  async addMirror(registry: string, url: string): Promise<Settings> {
    this.check('addMirror', { registry, url });
    const mirrors = { ...(this.settings.mirrors ?? {}) };
    const list = [...(mirrors[registry] ?? [])];
    const normal = (url.includes('://') ? url : `https://${url}`).replace(/\/+$/, '');
    if (!list.includes(normal)) list.push(normal);
    mirrors[registry] = list;
    this.settings = { ...this.settings, mirrors };
    return { ...this.settings };
  }

  async removeMirror(registry: string, url?: string): Promise<Settings> {
    this.check('removeMirror', { registry, url });
    const mirrors = { ...(this.settings.mirrors ?? {}) };
    const list = url === undefined ? [] : (mirrors[registry] ?? []).filter((m) => m !== url);
    if (list.length) mirrors[registry] = list;
    else delete mirrors[registry];
    this.settings = { ...this.settings, mirrors };
    return { ...this.settings };
  }

  /** Imports as if the file held one Docker Hub mirror. */
  async importMirrors(source: MirrorSource): Promise<MirrorImport> {
    this.check('importMirrors', { source });
    const before = (this.settings.mirrors?.['docker.io'] ?? []).length;
    await this.addMirror('docker.io', 'https://fake.mirror.aliyuncs.com');
    const mirrors = this.settings.mirrors ?? {};
    return {
      path: source === 'docker' ? '/etc/docker/daemon.json' : '/etc/containers/registries.conf',
      added: (mirrors['docker.io'] ?? []).length - before,
      skipped: [],
      mirrors,
    };
  }

  async setProxy(proxy: ProxySettings | null): Promise<Settings> {
    this.check('setProxy', proxy);
    const { proxy: _old, ...rest } = this.settings;
    this.settings = proxy ? { ...rest, proxy } : rest;
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
  /** What the Analysis tab shows, whatever the image. */
  analysis: Analysis = fakeAnalysis();
  /** Folders of the merged tree by path ('' = root), whatever the image and layer. */
  tree: Record<string, FileEntry[]> = fakeTree();
  /** The path the native dialogs choose next (null: the person cancelled); the UI gets a token for it. */
  pickedPath: string | null = null;
  /** Host files that exist: an export to one is refused without the person's answer. */
  existingFiles = new Set<string>();
  /** The shell's token store: what each token stands for (never shown to the UI). */
  private hostPaths = new Map<string, { path: string; purpose: Purpose; replaceConfirmed: boolean }>();
  private nextToken = 1;
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
        hint: { key: 'store.list_images', args: {} },
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

  async analyzeImage(reference: string): Promise<Analysis> {
    this.check('analyzeImage', reference);
    this.row(reference);
    return structuredClone(this.analysis);
  }

  async compareImages(a: string, b: string): Promise<Comparison> {
    this.check('compareImages', { a, b });
    this.row(a);
    this.row(b);
    return fakeComparison(a, b);
  }

  async imagePackages(reference: string): Promise<Packages> {
    this.check('imagePackages', reference);
    const row = this.row(reference);
    return fakePackages(row.reference);
  }

  async exportSbom(reference: string, target: HostPath, format: SbomFormat): Promise<string> {
    this.check('exportSbom', { reference, target, format });
    const { path } = this.resolve(target, SBOM_TARGET);
    this.row(reference);
    this.existingFiles.add(path);
    return path;
  }

  async checkReference(reference: string): Promise<CheckedReference> {
    this.check('checkReference', reference);
    // The engine's grammar and normalisation (../shared/rules), as `check_reference` answers.
    const answer = parseReference(reference);
    if (!answer.ok) {
      throw new ProblemError({
        code: 'reference.invalid',
        message: `"${reference}" is not a valid image reference: ${answer.reason}`,
        hint: { key: 'reference.grammar', args: {} },
      });
    }
    return { full: answer.full, familiar: answer.familiar };
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
        hint: { key: 'store.remove_containers_first', args: {} },
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

  /** A path the person chose (or dropped): the token the shell would hand the UI. */
  register(path: string, purpose: Purpose): PickedPath {
    const token = `token-${this.nextToken++}`;
    const replaceConfirmed = purpose === 'save_file' && this.existingFiles.has(path);
    this.hostPaths.set(token, { path, purpose, replaceConfirmed });
    return { token, name: path.slice(path.lastIndexOf('/') + 1) || path, display: path };
  }

  /** The shell's `HostPaths::resolve`: the path a token or a typed path stands for. */
  private resolve(given: HostPath, accepts: Accepts): { path: string; replaceConfirmed: boolean } {
    if (given.kind === 'typed') {
      if (!accepts.typed) throw new ProblemError({ code: 'path.typing_refused', message: `${accepts.what} cannot be typed here` });
      const path = given.path.trim();
      if (!path) throw new ProblemError({ code: 'path.empty', message: `no path was given for ${accepts.what}` });
      if (!path.startsWith('/')) {
        throw new ProblemError({ code: 'path.not_absolute', message: `${path} is not a full path (${accepts.what})` });
      }
      return { path, replaceConfirmed: false };
    }
    const entry = this.hostPaths.get(given.token);
    if (!entry) throw new ProblemError({ code: 'path.unknown_token', message: `${accepts.what} is not a file this app was given` });
    if (!accepts.purposes.includes(entry.purpose)) {
      throw new ProblemError({ code: 'path.wrong_purpose', message: `${entry.path} was not chosen as ${accepts.what}` });
    }
    return entry;
  }

  async importImage(source: HostPath, tag: string | null): Promise<TaskInfo> {
    this.check('importImage', { source, tag });
    const { path } = this.resolve(source, IMPORT_SOURCE);
    return this.startTask(fakeTask(0, { kind: 'import', subject: path }));
  }

  /** The engines the fake machine has: Podman, ready, unless a test says otherwise. */
  engines: EngineInfo[] = [
    { kind: 'podman', found: true, usable: true, version: '4.3.1', detail: 'the `podman` program' },
    { kind: 'docker', found: false, usable: false, detail: 'Docker not found: no socket at /var/run/docker.sock (or $DOCKER_HOST)' },
  ];
  /** Podman's images on the fake machine. */
  podmanImages: EngineImage[] = [
    { id: 'a'.repeat(64), names: ['localhost/app:1'], size: 11331, created: 1796556333 },
    { id: 'b'.repeat(64), names: [], size: 2048, created: 1796556000 },
  ];

  async listEngines(): Promise<EngineInfo[]> {
    this.check('listEngines');
    return structuredClone(this.engines);
  }

  /** Docker's images on the fake machine. */
  dockerImages: EngineImage[] = [{ id: 'c'.repeat(64), names: ['busybox:1'], size: 4096, created: 1796556400 }];

  async listEngineImages(engine: EngineKind): Promise<EngineImage[]> {
    this.check('listEngineImages', { engine });
    return structuredClone(engine === 'docker' ? this.dockerImages : this.podmanImages);
  }

  async sendImage(reference: string, engine: EngineKind): Promise<TaskInfo> {
    this.check('sendImage', { reference, engine });
    const row = this.images.find((r) => r.reference === reference);
    if (!row) throw new ProblemError({ code: 'store.not_found', message: `image ${reference} not found` });
    return this.startTask(fakeTask(0, { kind: 'export', subject: `${row.repository}:${row.tag}`, target: engine }));
  }

  async importFromEngine(engine: EngineKind, image: string, tag: string | null): Promise<TaskInfo> {
    this.check('importFromEngine', { engine, image, tag });
    if (image === '' || image.startsWith('-') || /\s/.test(image)) {
      throw new ProblemError({ code: 'engine.invalid_name', message: `invalid image name or ID \`${image}\`` });
    }
    return this.startTask(fakeTask(0, { kind: 'import', subject: `${engine}: ${image}` }));
  }

  async exportImage(reference: string, target: HostPath, format: ArchiveFormat, overwrite: boolean): Promise<TaskInfo> {
    this.check('exportImage', { reference, target, format, overwrite });
    const { path, replaceConfirmed } = this.resolve(target, EXPORT_TARGET);
    if (this.existingFiles.has(path) && !overwrite && !replaceConfirmed) {
      throw new ProblemError({
        code: 'image.would_overwrite',
        message: `${path} already exists; it is replaced only when you say so`,
        hint: { key: 'image.replace_or_rename', args: {} },
      });
    }
    const row = this.row(reference);
    this.existingFiles.add(path);
    return this.startTask(fakeTask(0, { kind: 'export', subject: `${row.repository}:${row.tag}`, target: path }));
  }

  async chooseImportPath(title: string, filterName: string): Promise<PickedPath | null> {
    this.check('chooseImportPath', { title, filterName });
    return this.pickedPath === null ? null : this.register(this.pickedPath, 'open_file');
  }

  async chooseExportPath(title: string, fileName: string): Promise<PickedPath | null> {
    this.check('chooseExportPath', { title, fileName });
    return this.pickedPath === null ? null : this.register(this.pickedPath, 'save_file');
  }

  async watchDrops(onEvent: (event: DropEvent) => void): Promise<void> {
    this.check('watchDrops');
    this.dropWatchers.push(onEvent);
  }

  /** What the shell sends when files are dragged onto the window. */
  drop(event: DropEvent): void {
    for (const watcher of this.dropWatchers) watcher(event);
  }

  /** Files dragged over the window and dropped: the shell turns each into a token. */
  dropFiles(paths: string[]): void {
    this.drop({ type: 'enter' });
    this.drop({ type: 'drop', files: paths.map((p) => this.register(p, p.endsWith('/') ? 'open_folder' : 'open_file')) });
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

  // ---- pull and push: tasks like the shell's; tests move them with updateTask ----------

  /** What `pushTargets` answers: the saved registries (none by default). */
  pushTargetList: PushTarget[] = [];

  async pullImage(reference: string, platform: string | null): Promise<TaskInfo> {
    this.check('pullImage', { reference, platform });
    const { familiar } = await this.checkReference(reference);
    if (platform !== null && !platformOk(platform)) {
      throw new ProblemError({
        code: 'platform.invalid',
        message: `"${platform}" is not a platform`,
      });
    }
    return this.startTask(fakeTask(0, { kind: 'pull', subject: familiar, total: null }));
  }

  async pushImage(local: string, remote: string): Promise<TaskInfo> {
    this.check('pushImage', { local, remote });
    const row = this.row(local);
    const { full } = await this.checkReference(remote);
    return this.startTask(fakeTask(0, { kind: 'push', subject: `${row.repository}:${row.tag}`, target: full, total: null }));
  }

  /** What `checkUpdates` answers: none by default. */
  outdated: OutdatedImage[] = [];

  async checkUpdates(names: string[] | null): Promise<OutdatedImage[]> {
    this.check('checkUpdates', names);
    return this.outdated.filter((o) => names === null || names.includes(o.name)).map((o) => ({ ...o }));
  }

  async pushTargets(): Promise<PushTarget[]> {
    this.check('pushTargets');
    return this.pushTargetList.map((t) => ({ ...t }));
  }

  // ---- the Registries screen: see ./fake-registries ------------------------------------

  /** Saved registries, accounts, repositories and tags; tests fill it directly. */
  readonly reg = new FakeRegistries();

  async registryPresets(): Promise<Preset[]> {
    this.check('registryPresets');
    return this.reg.presets.map((p) => ({ ...p }));
  }

  async listRegistries(): Promise<RegistryView[]> {
    this.check('listRegistries');
    return this.reg.list();
  }

  async addRegistry(form: NewRegistryForm): Promise<RegistryView> {
    // The AccessKey secret is not recorded in `calls`: tests assert it never comes back.
    this.check('addRegistry', form.api ? { ...form, api: { ...form.api, access_key_secret: '<redacted>' } } : form);
    const ca = form.ca_file ? this.resolve(form.ca_file, REGISTRY_CA).path : null;
    return this.reg.add(form, ca);
  }

  async chooseCaFile(title: string, filterName: string): Promise<PickedPath | null> {
    this.check('chooseCaFile', { title, filterName });
    return this.pickedPath === null ? null : this.register(this.pickedPath, 'open_file');
  }

  async removeRegistry(registry: string): Promise<SavedRegistry> {
    this.check('removeRegistry', registry);
    return this.reg.remove(registry);
  }

  async addRepositories(registry: string, repositories: string[]): Promise<RegistryView> {
    this.check('addRepositories', { registry, repositories });
    return this.reg.addRepositories(registry, repositories);
  }

  async loginRegistry(registry: string, username: string, password: string, namespace: string | null, makeDefault: boolean): Promise<Account> {
    // The password is not recorded in `calls`: tests assert it never comes back.
    this.check('loginRegistry', { registry, username, namespace, makeDefault });
    return this.reg.login(registry, username, password, namespace, makeDefault);
  }

  async logoutRegistry(registry: string, username: string | null): Promise<Account[]> {
    this.check('logoutRegistry', { registry, username });
    return this.reg.logout(registry, username);
  }

  async listAccounts(): Promise<Account[]> {
    this.check('listAccounts');
    return this.reg.accounts.map((a) => ({ ...a }));
  }

  async loginWithApi(registry: string): Promise<Account> {
    this.check('loginWithApi', registry);
    return this.reg.loginWithApi(registry);
  }

  async listCloudAccounts(): Promise<CloudAccountView[]> {
    this.check('listCloudAccounts');
    return this.reg.cloudAccountViews();
  }

  async removeCloudAccount(name: string): Promise<CloudAccountView> {
    this.check('removeCloudAccount', name);
    return this.reg.removeCloudAccount(name);
  }

  async acrInstances(form: ApiForm): Promise<AcrInstance[]> {
    // The AccessKey secret is not recorded in `calls`, as for addRegistry.
    this.check('acrInstances', { ...form, access_key_secret: '<redacted>' });
    return this.reg.acrInstances(form);
  }

  async createNamespace(registry: string, name: string, isPublic: boolean): Promise<ManagedNamespace> {
    this.check('createNamespace', { registry, name, isPublic });
    return this.reg.createNamespace(registry, name, isPublic);
  }

  async deleteNamespace(registry: string, name: string): Promise<void> {
    this.check('deleteNamespace', { registry, name });
    this.reg.deleteNamespace(registry, name);
  }

  async createRepository(registry: string, form: NewRepositoryForm): Promise<ManagedRepository> {
    this.check('createRepository', { registry, form });
    return this.reg.createRepository(registry, form);
  }

  async repositoryInfo(registry: string, namespace: string, name: string): Promise<ManagedRepository> {
    this.check('repositoryInfo', { registry, namespace, name });
    return this.reg.repository(registry, namespace, name);
  }

  async deleteRepository(registry: string, namespace: string, name: string): Promise<void> {
    this.check('deleteRepository', { registry, namespace, name });
    this.reg.deleteRepository(registry, namespace, name);
  }

  async missingRepository(remote: string): Promise<MissingRepository | null> {
    this.check('missingRepository', remote);
    return this.reg.missing(remote);
  }

  async browseRegistry(registry: string): Promise<RepositoryTree> {
    this.check('browseRegistry', registry);
    return this.reg.browse(registry);
  }

  /** Pages of `tagPageSize` tags, the cursor being the index of the next page's first. */
  tagPageSize = 1000;

  async listTagsPage(registry: string, repository: string, cursor: string | null): Promise<TagPage> {
    this.check('listTagsPage', { registry, repository, cursor });
    const all = this.reg.listTags(registry, repository);
    const from = cursor === null ? 0 : Number(cursor);
    const to = from + this.tagPageSize;
    return { tags: all.slice(from, to), next: to < all.length ? String(to) : null };
  }

  async listTags(registry: string, repository: string): Promise<string[]> {
    this.check('listTags', { registry, repository });
    return this.reg.listTags(registry, repository);
  }

  async tagDetails(registry: string, repository: string, tag: string): Promise<TagDetails> {
    this.check('tagDetails', { registry, repository, tag });
    return this.reg.details(registry, repository, tag);
  }

  async retagRemote(registry: string, repository: string, source: string, target: string): Promise<Retagged> {
    this.check('retagRemote', { registry, repository, source, target });
    return this.reg.retag(registry, repository, source, target);
  }

  async planDeleteTag(registry: string, repository: string, tag: string): Promise<DeletePlan> {
    this.check('planDeleteTag', { registry, repository, tag });
    return this.reg.plan(registry, repository, tag);
  }

  async deleteTag(registry: string, repository: string, tag: string, allowShared: boolean): Promise<DeletePlan> {
    this.check('deleteTag', { registry, repository, tag, allowShared });
    return this.reg.delete(registry, repository, tag, allowShared);
  }

  async copyImage(source: string, target: string): Promise<TaskInfo> {
    this.check('copyImage', { source, target });
    return this.startTask(fakeTask(0, { kind: 'copy', subject: source, target }));
  }

  async pushScript(registry: string, repository: string, tool: ScriptTool, vpc: boolean): Promise<PushScript> {
    this.check('pushScript', { registry, repository, tool, vpc });
    return this.reg.script(registry, repository, tool, vpc);
  }

  // ---- the Containers screen: see ./fake-containers ------------------------------------

  /** The containers and their files; tests add with `ctr.add(name)`. */
  readonly ctr = new FakeContainers();
  /** The open terminals' listeners, by session id; `terminalSay` writes to them. */
  readonly terminals = new Map<number, (event: TerminalEvent) => void>();
  /** What was typed into each terminal. */
  readonly typed = new Map<number, string>();
  private nextTerminal = 1;

  async listContainers(): Promise<ContainerRow[]> {
    this.check('listContainers');
    // As the app: the list answers from the records; getContainer counts.
    return this.ctr.items.map((c) => ({ ...this.ctr.row(c), size: null, changes: null }));
  }

  async getContainer(name: string): Promise<ContainerRow> {
    this.check('getContainer', name);
    return this.ctr.row(this.ctr.get(name));
  }

  async createContainer(image: string, name: string | null): Promise<TaskInfo> {
    this.check('createContainer', { image, name });
    const made = this.ctr.add(name ?? `c-${this.ctr.items.length + 1}`, { image });
    return this.startTask(fakeTask(0, { kind: 'create', subject: image, outcome: [made.row.name] }));
  }

  async removeContainer(name: string): Promise<void> {
    this.check('removeContainer', name);
    const c = this.ctr.get(name);
    this.ctr.items = this.ctr.items.filter((x) => x !== c);
  }

  async containerFiles(name: string, dir: string): Promise<ContainerListing> {
    this.check('containerFiles', { name, dir });
    return this.ctr.listing(this.ctr.get(name), dir);
  }

  async uploadFiles(name: string, sources: HostPath[], dir: string): Promise<string[]> {
    this.check('uploadFiles', { name, sources, dir });
    const paths = sources.map((s) => this.resolve(s, UPLOAD_SOURCE).path);
    const c = this.ctr.get(name);
    return paths.map((p) => {
      const target = `${dir === '/' ? '' : dir}/${p.slice(p.lastIndexOf('/') + 1)}`;
      this.ctr.write(c, target, `uploaded from ${p}\n`);
      return target;
    });
  }

  async chooseUploadPaths(title: string): Promise<PickedPath[] | null> {
    this.check('chooseUploadPaths', title);
    return this.pickedPath === null ? null : [this.register(this.pickedPath, 'open_file')];
  }

  async readTextFile(name: string, path: string): Promise<TextFile> {
    this.check('readTextFile', { name, path });
    return this.ctr.read(this.ctr.get(name), path);
  }

  async writeTextFile(name: string, path: string, text: string): Promise<void> {
    this.check('writeTextFile', { name, path, text });
    this.ctr.writeText(this.ctr.get(name), path, text);
  }

  async deletePath(name: string, path: string): Promise<void> {
    this.check('deletePath', { name, path });
    this.ctr.remove(this.ctr.get(name), path);
  }

  async renamePath(name: string, from: string, to: string): Promise<void> {
    this.check('renamePath', { name, from, to });
    const c = this.ctr.get(name);
    const f = this.ctr.read(c, from);
    this.ctr.remove(c, from);
    this.ctr.write(c, to, f.text);
  }

  async chmodPath(name: string, path: string, mode: number): Promise<void> {
    this.check('chmodPath', { name, path, mode });
    const f = this.ctr.get(name).files.get(path);
    if (f) f.mode = mode;
  }

  async containerDiff(name: string): Promise<DiffRow[]> {
    this.check('containerDiff', name);
    return this.ctr.diff(this.ctr.get(name));
  }

  async commitPreview(name: string): Promise<CommitPreview> {
    this.check('commitPreview', name);
    return this.ctr.preview(this.ctr.get(name));
  }

  async checkChange(change: string): Promise<void> {
    this.check('checkChange', change);
    if (!changeLooksRight(change)) {
      throw new ProblemError({
        code: 'image.invalid_change',
        message: `"${change}" is not a change commit can apply`,
        hint: { key: 'image.change_syntax', args: {} },
      });
    }
  }

  async commitContainer(name: string, request: CommitRequest): Promise<TaskInfo> {
    this.check('commitContainer', { name, request });
    const c = this.ctr.get(name);
    const { full } = await this.checkReference(request.reference);
    // The engine's rule: no file changed and no config change given is nothing to commit.
    if (request.changes.every((ch) => ch.trim() === '') && this.ctr.diff(c).length === 0) {
      throw new ProblemError({
        code: 'container.no_changes',
        message: `container ${name} has no changes to commit`,
        hint: { key: 'container.change_first', args: {} },
      });
    }
    return this.startTask(fakeTask(0, { kind: 'commit', subject: name, target: request.reference, outcome: [full] }));
  }

  async openTerminal(
    name: string,
    cols: number,
    rows: number,
    network: TerminalNetwork,
    onEvent: (event: TerminalEvent) => void,
  ): Promise<number> {
    this.check('openTerminal', { name, cols, rows, network });
    this.ctr.get(name);
    const id = this.nextTerminal++;
    this.terminals.set(id, onEvent);
    return id;
  }

  /** What the shell prints, as the shell would send it. */
  terminalSay(id: number, event: TerminalEvent): void {
    this.terminals.get(id)?.(event);
  }

  async terminalInput(id: number, data: string): Promise<void> {
    this.check('terminalInput', { id, data });
    this.typed.set(id, (this.typed.get(id) ?? '') + data);
  }

  async terminalResize(id: number, cols: number, rows: number): Promise<void> {
    this.check('terminalResize', { id, cols, rows });
  }

  async closeTerminal(id: number): Promise<void> {
    this.check('closeTerminal', id);
    this.terminals.delete(id);
  }
}
