// Everything the UI asks of the shell, as one typed interface. The app talks to
// `tauriApi` (one wrapper per Tauri command, ./tauri.ts); tests and a plain browser talk to
// `FakeApi` (./fake.ts). Every method rejects with a `ProblemError`.
import type {
  Analysis,
  AppInfo,
  ArchiveFormat,
  CheckedReference,
  Comparison,
  DropEvent,
  EngineImage,
  EngineInfo,
  EngineKind,
  OutdatedImage,
  Packages,
  SbomFormat,
  FileListing,
  HistoryRow,
  HostPath,
  ImageInfo,
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
  CommitPreview,
  CommitRequest,
  ContainerListing,
  ContainerRow,
  DiffRow,
  TerminalEvent,
  TextFile,
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
import type { PushTarget } from '../bindings.gen';

/**
 * A terminal's network, in `strata run --network`'s words: its own namespace with
 * user-mode networking through slirp4netns (the default; the host's 127.0.0.1 closed), the
 * host's network, or loopback only.
 */
export type TerminalNetwork = 'slirp4netns' | 'host' | 'none';

// Host paths: a dialog or a drop gives a `PickedPath` (a token and a name to show); a
// command takes a `HostPath`, the token (`chosen`) or what the person typed (`typed`),
// built with ./hostPath.ts. Only commands whose screen has a path field take `typed`.
export interface StrataApi {
  /** `app_info`: version, store folder and how it was chosen. */
  appInfo(): Promise<AppInfo>;
  /** `get_settings`: the saved settings, defaults on first start. */
  getSettings(): Promise<Settings>;
  /** `set_settings`: changes some settings, returns all of them as saved. */
  setSettings(patch: SettingsPatch): Promise<Settings>;
  /** `add_mirror`: a mirror for `registry`, tried after those it has; returns the settings. */
  addMirror(registry: string, url: string): Promise<Settings>;
  /** `remove_mirror`: one mirror of `registry`, or all of them without `url`. */
  removeMirror(registry: string, url?: string): Promise<Settings>;
  /** `import_mirrors`: this machine's docker daemon.json or containers' registries.conf. */
  importMirrors(source: MirrorSource): Promise<MirrorImport>;
  /** `set_proxy`: the proxy for registries, or `null` for the environment's. */
  setProxy(proxy: ProxySettings | null): Promise<Settings>;
  /** `ui_ready`: the first screen is on and usable (feeds the start-up benchmark). */
  uiReady(): Promise<void>;

  // The Images screen (src-tauri/src/commands/images.rs).
  /** `images_overview`: one row per image name, and the store's disk usage. */
  imagesOverview(): Promise<ImagesOverview>;
  /** `inspect_image`: the Overview tab. */
  inspectImage(reference: string): Promise<ImageInfo>;
  /** `image_history`: the History tab, newest step first. */
  imageHistory(reference: string): Promise<HistoryRow[]>;
  /** `image_layers`: every layer, bottom first, with what it adds, changes and deletes. */
  imageLayers(reference: string): Promise<LayerView[]>;
  /** `image_files`: one folder of the merged tree after `layer` (null: the top layer). */
  imageFiles(reference: string, layer: number | null, dir: string): Promise<FileListing>;
  /** `analyze_image`: the Analysis tab: dive's efficiency and wasted bytes, hidden bytes per layer. */
  analyzeImage(reference: string): Promise<Analysis>;
  /** `compare_images`: the Compare tab: shared layers, files and config values that differ. */
  compareImages(a: string, b: string): Promise<Comparison>;
  /** `image_packages`: the Packages tab: the OS and the dpkg, apk or rpm packages installed. */
  imagePackages(reference: string): Promise<Packages>;
  /**
   * `export_sbom`: writes the image's SBOM (CycloneDX 1.5 or SPDX 2.3 JSON) to a file chosen
   * in the save dialog (only there: it asks before replacing); resolves to the path written.
   */
  exportSbom(reference: string, target: HostPath, format: SbomFormat): Promise<string>;
  /** `check_reference`: normalises a name, or rejects with why it is not one. */
  checkReference(reference: string): Promise<CheckedReference>;
  /** `tag_image`: gives `source`'s image the name `target`; resolves to the full name. */
  tagImage(source: string, target: string): Promise<string>;
  /** `remove_image`: removes a name (or an unnamed image by digest) and frees its blobs. */
  removeImage(reference: string, force: boolean): Promise<RemoveResult>;
  /** `prune_images`: removes unnamed images and unused blobs. */
  pruneImages(): Promise<PruneResult>;
  /** `import_image`: starts an import task (an archive or OCI layout directory: chosen, dropped or typed). */
  importImage(source: HostPath, tag: string | null): Promise<TaskInfo>;
  /**
   * `export_image`: starts an export task (to a file chosen in the save dialog, or typed).
   * An existing file is refused (`image.would_overwrite`) unless `overwrite`, which the UI
   * sets only after the person said to replace it; the save dialog's own question counts
   * for the file it returned.
   */
  exportImage(reference: string, target: HostPath, format: ArchiveFormat, overwrite: boolean): Promise<TaskInfo>;
  /** `list_engines`: the container engines on this machine (Podman, Docker), found or not, and why. */
  listEngines(): Promise<EngineInfo[]>;
  /** `list_engine_images`: an engine's images, for Import → From Podman… / From Docker…. */
  listEngineImages(engine: EngineKind): Promise<EngineImage[]>;
  /** `send_image`: starts a task handing the local image to the engine (`podman load`). */
  sendImage(reference: string, engine: EngineKind): Promise<TaskInfo>;
  /** `import_from_engine`: starts a task bringing the engine's image (name or ID) into the store, named `tag` when given. */
  importFromEngine(engine: EngineKind, image: string, tag: string | null): Promise<TaskInfo>;
  /** `choose_import_path`: the native open dialog; null when cancelled. */
  chooseImportPath(title: string, filterName: string): Promise<PickedPath | null>;
  /** `choose_export_path`: the native save dialog (it asks before replacing); null when cancelled. */
  chooseExportPath(title: string, fileName: string): Promise<PickedPath | null>;
  /** `watch_drops`: files dragged onto the window (dropped ones arrive as tokens). */
  watchDrops(onEvent: (event: DropEvent) => void): Promise<void>;

  // The Tasks screen (src-tauri/src/commands/tasks.rs).
  /** `watch_tasks`: every change to a task from now on; resolves to the tasks now. */
  watchTasks(onEvent: (event: TaskEvent) => void): Promise<TaskInfo[]>;
  /** `cancel_task`: asks a running task to stop. */
  cancelTask(id: number): Promise<void>;
  /** `clear_finished_tasks`: forgets finished tasks; resolves to their ids. */
  clearFinishedTasks(): Promise<number[]>;

  // Pull and push (src-tauri/src/commands/transfers.rs): each starts a task with per-layer
  // progress in the Tasks screen.
  /** `pull_image`: starts pulling `reference` (for `platform`, e.g. linux/arm64; null: this machine's). */
  pullImage(reference: string, platform: string | null): Promise<TaskInfo>;
  /** `push_image`: starts pushing the local image `local` to the full remote name `remote`. */
  pushImage(local: string, remote: string): Promise<TaskInfo>;
  /** `push_targets`: the saved registries with their known namespaces and repositories. */
  pushTargets(): Promise<PushTarget[]>;
  /**
   * `check_updates`: for each local image pulled from a registry (only `names`, when given),
   * whether its tag there now names another image; one that cannot be asked says why.
   */
  checkUpdates(names: string[] | null): Promise<OutdatedImage[]>;

  // The Registries screen (src-tauri/src/commands/registries.rs). No method ever returns a
  // password: accounts are usernames only.
  /** `registry_presets`: every provider with its endpoint template, regions and hints. */
  registryPresets(): Promise<Preset[]>;
  /** `list_registries`: the saved registries with their accounts. */
  listRegistries(): Promise<RegistryView[]>;
  /** `add_registry`: saves a registry (no login yet); the extra CA file is chosen or typed. */
  addRegistry(form: NewRegistryForm): Promise<RegistryView>;
  /** `choose_ca_file`: the native open dialog for the extra CA file; null when cancelled. */
  chooseCaFile(title: string, filterName: string): Promise<PickedPath | null>;
  /** `remove_registry`: forgets a saved registry (its logins stay until logout). */
  removeRegistry(registry: string): Promise<SavedRegistry>;
  /** `add_repositories`: repositories added by hand (for registries without a catalog). */
  addRepositories(registry: string, repositories: string[]): Promise<RegistryView>;
  /** `login_registry`: checks the password with the registry, then keeps it in the keychain. */
  loginRegistry(registry: string, username: string, password: string, namespace: string | null, makeDefault: boolean): Promise<Account>;
  /** `logout_registry`: deletes the secret of one account (null: every account). */
  logoutRegistry(registry: string, username: string | null): Promise<Account[]>;
  /** `list_accounts`: every saved login, without secrets. */
  listAccounts(): Promise<Account[]>;
  /** `login_with_api`: logs in with a temporary password from the registry's API (no password asked). */
  loginWithApi(registry: string): Promise<Account>;
  /** `list_cloud_accounts`: the named cloud accounts (AccessKey IDs, never a secret) and who uses each. */
  listCloudAccounts(): Promise<CloudAccountView[]>;
  /** `remove_cloud_account`: removes an account and its secret from the keychain; refused while used. */
  removeCloudAccount(name: string): Promise<CloudAccountView>;
  /** `acr_instances`: ACR Enterprise instances the form's AccessKey (or account) sees; saves nothing. */
  acrInstances(form: ApiForm): Promise<AcrInstance[]>;
  /** `create_namespace`: creates a namespace through the registry's management API. */
  createNamespace(registry: string, name: string, isPublic: boolean): Promise<ManagedNamespace>;
  /** `delete_namespace`: deletes a namespace (and its repositories). */
  deleteNamespace(registry: string, name: string): Promise<void>;
  /** `create_repository`: creates a repository through the registry's management API. */
  createRepository(registry: string, form: NewRepositoryForm): Promise<ManagedRepository>;
  /** `repository_info`: a repository's summary, detail and visibility from the API. */
  repositoryInfo(registry: string, namespace: string, name: string): Promise<ManagedRepository>;
  /** `delete_repository`: deletes a repository and its tags. */
  deleteRepository(registry: string, namespace: string, name: string): Promise<void>;
  /** `missing_repository`: the repository a push to `remote` needs created first, or null. */
  missingRepository(remote: string): Promise<MissingRepository | null>;
  /** `browse_registry`: namespaces and repositories (management API, else catalog + hand-added). */
  browseRegistry(registry: string): Promise<RepositoryTree>;
  /** `list_tags`: every tag of a repository, all pages. */
  listTags(registry: string, repository: string): Promise<string[]>;
  /** `list_tags_page`: one page of tags (the first without `cursor`) and the next cursor. */
  listTagsPage(registry: string, repository: string, cursor: string | null): Promise<TagPage>;
  /** `tag_details`: digest, size, platforms and created time of one tag. */
  tagDetails(registry: string, repository: string, tag: string): Promise<TagDetails>;
  /** `retag_remote`: puts `source`'s manifest under the tag `target`, without pulling. */
  retagRemote(registry: string, repository: string, source: string, target: string): Promise<Retagged>;
  /** `plan_delete_tag`: the digest a delete removes and the other tags that go with it. */
  planDeleteTag(registry: string, repository: string, tag: string): Promise<DeletePlan>;
  /** `delete_tag`: deletes by digest; `allowShared` must be true when other tags share it. */
  deleteTag(registry: string, repository: string, tag: string, allowShared: boolean): Promise<DeletePlan>;
  /** `copy_image`: starts a copy task between repositories or registries. */
  copyImage(source: string, target: string): Promise<TaskInfo>;
  /** `push_script`: the ACR console's login / pull / tag / push guide for a repository. */
  pushScript(registry: string, repository: string, tool: ScriptTool, vpc: boolean): Promise<PushScript>;

  // The Containers screen (src-tauri/src/commands/containers.rs).
  /** `list_containers`: every container with the size of its writable layer. */
  listContainers(): Promise<ContainerRow[]>;
  /** `get_container`: one container's row. */
  getContainer(name: string): Promise<ContainerRow>;
  /** `create_container`: starts a create task; its outcome is the container's name. */
  createContainer(image: string, name: string | null): Promise<TaskInfo>;
  /** `remove_container`: removes a container (and ends its terminals). */
  removeContainer(name: string): Promise<void>;
  /** `container_files`: one folder of the merged tree with A/C/D badges. */
  containerFiles(name: string, dir: string): Promise<ContainerListing>;
  /** `upload_files`: copies host files (chosen, dropped or typed) into a folder; resolves to the paths created. */
  uploadFiles(name: string, sources: HostPath[], dir: string): Promise<string[]>;
  /** `choose_upload_paths`: the native open dialog (several files); null when cancelled. */
  chooseUploadPaths(title: string): Promise<PickedPath[] | null>;
  /** `read_text_file`: a text file for the editor. */
  readTextFile(name: string, path: string): Promise<TextFile>;
  /** `write_text_file`: creates or replaces a text file. */
  writeTextFile(name: string, path: string, text: string): Promise<void>;
  /** `delete_path`: deletes a file, link or folder. */
  deletePath(name: string, path: string): Promise<void>;
  /** `rename_path`: renames or moves a path inside the container. */
  renamePath(name: string, from: string, to: string): Promise<void>;
  /** `chmod_path`: sets a path's permission bits. */
  chmodPath(name: string, path: string, mode: number): Promise<void>;
  /** `container_diff`: added, changed and deleted paths with sizes. */
  containerDiff(name: string): Promise<DiffRow[]>;
  /** `commit_preview`: the new layer's changes and bytes before committing. */
  commitPreview(name: string): Promise<CommitPreview>;
  /** `check_change`: rejects with why a Dockerfile-style change is not one. */
  checkChange(change: string): Promise<void>;
  /** `commit_container`: starts a commit task; its outcome is the new image's name. */
  commitContainer(name: string, request: CommitRequest): Promise<TaskInfo>;
  /** `open_terminal`: a shell in the container on `network`; resolves to the session id. */
  openTerminal(
    name: string,
    cols: number,
    rows: number,
    network: TerminalNetwork,
    onEvent: (event: TerminalEvent) => void,
  ): Promise<number>;
  /** `terminal_input`: keys typed. */
  terminalInput(id: number, data: string): Promise<void>;
  /** `terminal_resize`: the terminal's new size. */
  terminalResize(id: number, cols: number, rows: number): Promise<void>;
  /** `close_terminal`: ends the shell. */
  closeTerminal(id: number): Promise<void>;
}
