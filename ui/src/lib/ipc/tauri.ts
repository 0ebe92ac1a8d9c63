// The Tauri implementation of StrataApi: one wrapper per command in src-tauri/src/commands/,
// typed by the interface. Argument names match the Rust parameters (camelCase in JS).
import { Channel, invoke } from '@tauri-apps/api/core';
import type { DropEvent, TaskEvent, TerminalEvent } from '../bindings.gen';
import type { StrataApi } from './api';
import { ProblemError, toProblem } from './problem';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw new ProblemError(toProblem(error));
  }
}

export const tauriApi: StrataApi = {
  appInfo: () => call('app_info'),
  getSettings: () => call('get_settings'),
  setSettings: (patch) => call('set_settings', { patch }),
  addMirror: (registry, url) => call('add_mirror', { registry, url }),
  removeMirror: (registry, url) => call('remove_mirror', { registry, url: url ?? null }),
  importMirrors: (source) => call('import_mirrors', { source }),
  setProxy: (proxy) => call('set_proxy', { proxy }),
  uiReady: () => call('ui_ready'),

  // The Images screen.
  imagesOverview: () => call('images_overview'),
  inspectImage: (reference) => call('inspect_image', { reference }),
  imageHistory: (reference) => call('image_history', { reference }),
  imageLayers: (reference) => call('image_layers', { reference }),
  imageFiles: (reference, layer, dir) => call('image_files', { reference, layer, dir }),
  analyzeImage: (reference) => call('analyze_image', { reference }),
  compareImages: (a, b) => call('compare_images', { a, b }),
  imagePackages: (reference) => call('image_packages', { reference }),
  exportSbom: (reference, target, format) => call('export_sbom', { reference, target, format }),
  checkReference: (reference) => call('check_reference', { reference }),
  tagImage: (source, target) => call('tag_image', { source, target }),
  removeImage: (reference, force) => call('remove_image', { reference, force }),
  pruneImages: () => call('prune_images'),
  importImage: (source, tag) => call('import_image', { source, tag }),
  exportImage: (reference, target, format, overwrite) =>
    call('export_image', { reference, target, format, overwrite }),
  listEngines: () => call('list_engines'),
  listEngineImages: (engine) => call('list_engine_images', { engine }),
  sendImage: (reference, engine) => call('send_image', { reference, engine }),
  importFromEngine: (engine, image, tag) => call('import_from_engine', { engine, image, tag }),
  chooseImportPath: (title, filterName) => call('choose_import_path', { title, filterName }),
  chooseExportPath: (title, fileName) => call('choose_export_path', { title, fileName }),
  watchDrops: (onEvent) => call('watch_drops', { onEvent: new Channel<DropEvent>(onEvent) }),

  // The Tasks screen.
  watchTasks: (onEvent) => call('watch_tasks', { onEvent: new Channel<TaskEvent>(onEvent) }),
  cancelTask: (id) => call('cancel_task', { id }),
  clearFinishedTasks: () => call('clear_finished_tasks'),

  // Pull and push.
  pullImage: (reference, platform) => call('pull_image', { reference, platform }),
  pushImage: (local, remote) => call('push_image', { local, remote }),
  pushTargets: () => call('push_targets'),
  checkUpdates: (names) => call('check_updates', { names }),

  // The Registries screen.
  registryPresets: () => call('registry_presets'),
  listRegistries: () => call('list_registries'),
  addRegistry: (form) => call('add_registry', { form }),
  chooseCaFile: (title, filterName) => call('choose_ca_file', { title, filterName }),
  removeRegistry: (registry) => call('remove_registry', { registry }),
  addRepositories: (registry, repositories) => call('add_repositories', { registry, repositories }),
  loginRegistry: (registry, username, password, namespace, makeDefault) =>
    call('login_registry', { registry, username, password, namespace, makeDefault }),
  logoutRegistry: (registry, username) => call('logout_registry', { registry, username }),
  loginWithApi: (registry) => call('login_with_api', { registry }),
  listCloudAccounts: () => call('list_cloud_accounts'),
  removeCloudAccount: (name) => call('remove_cloud_account', { name }),
  acrInstances: (form) => call('acr_instances', { form }),
  createNamespace: (registry, name, isPublic) => call('create_namespace', { registry, name, public: isPublic }),
  deleteNamespace: (registry, name) => call('delete_namespace', { registry, name }),
  createRepository: (registry, form) => call('create_repository', { registry, form }),
  repositoryInfo: (registry, namespace, name) => call('repository_info', { registry, namespace, name }),
  deleteRepository: (registry, namespace, name) => call('delete_repository', { registry, namespace, name }),
  missingRepository: (remote) => call('missing_repository', { remote }),
  listAccounts: () => call('list_accounts'),
  browseRegistry: (registry) => call('browse_registry', { registry }),
  listTags: (registry, repository) => call('list_tags', { registry, repository }),
  listTagsPage: (registry, repository, cursor) => call('list_tags_page', { registry, repository, cursor }),
  tagDetails: (registry, repository, tag) => call('tag_details', { registry, repository, tag }),
  retagRemote: (registry, repository, source, target) =>
    call('retag_remote', { registry, repository, source, target }),
  planDeleteTag: (registry, repository, tag) => call('plan_delete_tag', { registry, repository, tag }),
  deleteTag: (registry, repository, tag, allowShared) =>
    call('delete_tag', { registry, repository, tag, allowShared }),
  copyImage: (source, target) => call('copy_image', { source, target }),
  pushScript: (registry, repository, tool, vpc) => call('push_script', { registry, repository, tool, vpc }),

  // The Containers screen.
  listContainers: () => call('list_containers'),
  getContainer: (name) => call('get_container', { name }),
  createContainer: (image, name) => call('create_container', { image, name }),
  removeContainer: (name) => call('remove_container', { name }),
  containerFiles: (name, dir) => call('container_files', { name, dir }),
  uploadFiles: (name, sources, dir) => call('upload_files', { name, sources, dir }),
  chooseUploadPaths: (title) => call('choose_upload_paths', { title }),
  readTextFile: (name, path) => call('read_text_file', { name, path }),
  writeTextFile: (name, path, text) => call('write_text_file', { name, path, text }),
  deletePath: (name, path) => call('delete_path', { name, path }),
  renamePath: (name, from, to) => call('rename_path', { name, from, to }),
  chmodPath: (name, path, mode) => call('chmod_path', { name, path, mode }),
  containerDiff: (name) => call('container_diff', { name }),
  commitPreview: (name) => call('commit_preview', { name }),
  checkChange: (change) => call('check_change', { change }),
  commitContainer: (name, request) => call('commit_container', { name, request }),
  openTerminal: (name, cols, rows, network, onEvent) =>
    call('open_terminal', { name, cols, rows, network, onEvent: new Channel<TerminalEvent>(onEvent) }),
  terminalInput: (id, data) => call('terminal_input', { id, data }),
  terminalResize: (id, cols, rows) => call('terminal_resize', { id, cols, rows }),
  closeTerminal: (id) => call('close_terminal', { id }),
};

/** True inside the Tauri webview, false in a plain browser or under vitest. */
export function insideTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
