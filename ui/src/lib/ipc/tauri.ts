// The Tauri implementation of StrataApi: one typed wrapper per command in
// src-tauri/src/commands/. Argument names match the Rust parameters (camelCase in JS).
import { Channel, invoke } from '@tauri-apps/api/core';
import type {
  AppInfo,
  ArchiveFormat,
  CheckedReference,
  DropEvent,
  FileListing,
  HistoryRow,
  HostPath,
  ImageInfo,
  ImagesOverview,
  LayerView,
  PickedPath,
  PruneResult,
  RemoveResult,
  Settings,
  SettingsPatch,
  TaskEvent,
  TaskInfo,
} from '../bindings.gen';
import type {
  Account,
  DeletePlan,
  NewRegistryForm,
  Preset,
  PushScript,
  RegistryView,
  RepositoryTree,
  Retagged,
  SavedRegistry,
  ScriptTool,
  TagDetails,
} from '../bindings.gen';
import type { PushTarget } from '../bindings.gen';
import type {
  CommitPreview,
  CommitRequest,
  ContainerListing,
  ContainerRow,
  DiffRow,
  TerminalEvent,
  TextFile,
} from '../bindings.gen';
import type { StrataApi, TerminalNetwork } from './api';
import { ProblemError, toProblem } from './problem';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw new ProblemError(toProblem(error));
  }
}

export const appInfo = (): Promise<AppInfo> => call<AppInfo>('app_info');
export const getSettings = (): Promise<Settings> => call<Settings>('get_settings');
export const setSettings = (patch: SettingsPatch): Promise<Settings> =>
  call<Settings>('set_settings', { patch });
export const uiReady = (): Promise<void> => call<void>('ui_ready');


// The Images screen.
export const imagesOverview = (): Promise<ImagesOverview> => call('images_overview');
export const inspectImage = (reference: string): Promise<ImageInfo> =>
  call('inspect_image', { reference });
export const imageHistory = (reference: string): Promise<HistoryRow[]> =>
  call('image_history', { reference });
export const imageLayers = (reference: string): Promise<LayerView[]> =>
  call('image_layers', { reference });
export const imageFiles = (reference: string, layer: number | null, dir: string): Promise<FileListing> =>
  call('image_files', { reference, layer, dir });
export const checkReference = (reference: string): Promise<CheckedReference> =>
  call('check_reference', { reference });
export const tagImage = (source: string, target: string): Promise<string> =>
  call('tag_image', { source, target });
export const removeImage = (reference: string, force: boolean): Promise<RemoveResult> =>
  call('remove_image', { reference, force });
export const pruneImages = (): Promise<PruneResult> => call('prune_images');
export const importImage = (source: HostPath, tag: string | null): Promise<TaskInfo> =>
  call('import_image', { source, tag });
export const exportImage = (
  reference: string,
  target: HostPath,
  format: ArchiveFormat,
  overwrite: boolean,
): Promise<TaskInfo> => call('export_image', { reference, target, format, overwrite });
export const chooseImportPath = (title: string, filterName: string): Promise<PickedPath | null> =>
  call('choose_import_path', { title, filterName });
export const chooseExportPath = (title: string, fileName: string): Promise<PickedPath | null> =>
  call('choose_export_path', { title, fileName });
export const watchDrops = (onEvent: (event: DropEvent) => void): Promise<void> =>
  call('watch_drops', { onEvent: new Channel<DropEvent>(onEvent) });

// The Tasks screen.
export const watchTasks = (onEvent: (event: TaskEvent) => void): Promise<TaskInfo[]> =>
  call('watch_tasks', { onEvent: new Channel<TaskEvent>(onEvent) });
export const cancelTask = (id: number): Promise<void> => call('cancel_task', { id });
export const clearFinishedTasks = (): Promise<number[]> => call('clear_finished_tasks');

// Pull and push.
export const pullImage = (reference: string, platform: string | null): Promise<TaskInfo> =>
  call('pull_image', { reference, platform });
export const pushImage = (local: string, remote: string): Promise<TaskInfo> => call('push_image', { local, remote });
export const pushTargets = (): Promise<PushTarget[]> => call('push_targets');

// The Registries screen.
export const registryPresets = (): Promise<Preset[]> => call('registry_presets');
export const listRegistries = (): Promise<RegistryView[]> => call('list_registries');
export const addRegistry = (form: NewRegistryForm): Promise<RegistryView> => call('add_registry', { form });
export const chooseCaFile = (title: string, filterName: string): Promise<PickedPath | null> =>
  call('choose_ca_file', { title, filterName });
export const removeRegistry = (registry: string): Promise<SavedRegistry> => call('remove_registry', { registry });
export const addRepositories = (registry: string, repositories: string[]): Promise<RegistryView> =>
  call('add_repositories', { registry, repositories });
export const loginRegistry = (
  registry: string,
  username: string,
  password: string,
  namespace: string | null,
  makeDefault: boolean,
): Promise<Account> => call('login_registry', { registry, username, password, namespace, makeDefault });
export const logoutRegistry = (registry: string, username: string | null): Promise<Account[]> =>
  call('logout_registry', { registry, username });
export const listAccounts = (): Promise<Account[]> => call('list_accounts');
export const browseRegistry = (registry: string): Promise<RepositoryTree> => call('browse_registry', { registry });
export const listTags = (registry: string, repository: string): Promise<string[]> =>
  call('list_tags', { registry, repository });
export const tagDetails = (registry: string, repository: string, tag: string): Promise<TagDetails> =>
  call('tag_details', { registry, repository, tag });
export const retagRemote = (registry: string, repository: string, source: string, target: string): Promise<Retagged> =>
  call('retag_remote', { registry, repository, source, target });
export const planDeleteTag = (registry: string, repository: string, tag: string): Promise<DeletePlan> =>
  call('plan_delete_tag', { registry, repository, tag });
export const deleteTag = (registry: string, repository: string, tag: string, allowShared: boolean): Promise<DeletePlan> =>
  call('delete_tag', { registry, repository, tag, allowShared });
export const copyImage = (source: string, target: string): Promise<TaskInfo> => call('copy_image', { source, target });
export const pushScript = (registry: string, repository: string, tool: ScriptTool, vpc: boolean): Promise<PushScript> =>
  call('push_script', { registry, repository, tool, vpc });

// The Containers screen.
export const listContainers = (): Promise<ContainerRow[]> => call('list_containers');
export const getContainer = (name: string): Promise<ContainerRow> => call('get_container', { name });
export const createContainer = (image: string, name: string | null): Promise<TaskInfo> =>
  call('create_container', { image, name });
export const removeContainer = (name: string): Promise<void> => call('remove_container', { name });
export const containerFiles = (name: string, dir: string): Promise<ContainerListing> =>
  call('container_files', { name, dir });
export const uploadFiles = (name: string, sources: HostPath[], dir: string): Promise<string[]> =>
  call('upload_files', { name, sources, dir });
export const chooseUploadPaths = (title: string): Promise<PickedPath[] | null> => call('choose_upload_paths', { title });
export const readTextFile = (name: string, path: string): Promise<TextFile> => call('read_text_file', { name, path });
export const writeTextFile = (name: string, path: string, text: string): Promise<void> =>
  call('write_text_file', { name, path, text });
export const deletePath = (name: string, path: string): Promise<void> => call('delete_path', { name, path });
export const renamePath = (name: string, from: string, to: string): Promise<void> =>
  call('rename_path', { name, from, to });
export const chmodPath = (name: string, path: string, mode: number): Promise<void> =>
  call('chmod_path', { name, path, mode });
export const containerDiff = (name: string): Promise<DiffRow[]> => call('container_diff', { name });
export const commitPreview = (name: string): Promise<CommitPreview> => call('commit_preview', { name });
export const checkChange = (change: string): Promise<void> => call('check_change', { change });
export const commitContainer = (name: string, request: CommitRequest): Promise<TaskInfo> =>
  call('commit_container', { name, request });
export const openTerminal = (
  name: string,
  cols: number,
  rows: number,
  network: TerminalNetwork,
  onEvent: (event: TerminalEvent) => void,
): Promise<number> =>
  call('open_terminal', { name, cols, rows, network, onEvent: new Channel<TerminalEvent>(onEvent) });
export const terminalInput = (id: number, data: string): Promise<void> => call('terminal_input', { id, data });
export const terminalResize = (id: number, cols: number, rows: number): Promise<void> =>
  call('terminal_resize', { id, cols, rows });
export const closeTerminal = (id: number): Promise<void> => call('close_terminal', { id });

export const tauriApi: StrataApi = {
  listContainers,
  getContainer,
  createContainer,
  removeContainer,
  containerFiles,
  uploadFiles,
  chooseUploadPaths,
  readTextFile,
  writeTextFile,
  deletePath,
  renamePath,
  chmodPath,
  containerDiff,
  commitPreview,
  checkChange,
  commitContainer,
  openTerminal,
  terminalInput,
  terminalResize,
  closeTerminal,
  appInfo,
  getSettings,
  setSettings,
  uiReady,
  imagesOverview,
  inspectImage,
  imageHistory,
  imageLayers,
  imageFiles,
  checkReference,
  tagImage,
  removeImage,
  pruneImages,
  importImage,
  exportImage,
  chooseImportPath,
  chooseExportPath,
  watchDrops,
  watchTasks,
  cancelTask,
  clearFinishedTasks,
  pullImage,
  pushImage,
  pushTargets,
  registryPresets,
  listRegistries,
  addRegistry,
  chooseCaFile,
  removeRegistry,
  addRepositories,
  loginRegistry,
  logoutRegistry,
  listAccounts,
  browseRegistry,
  listTags,
  tagDetails,
  retagRemote,
  planDeleteTag,
  deleteTag,
  copyImage,
  pushScript,
};

/** True inside the Tauri webview, false in a plain browser or under vitest. */
export function insideTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
