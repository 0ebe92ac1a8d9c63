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
  ImageInfo,
  ImagesOverview,
  LayerView,
  PruneResult,
  RemoveResult,
  Settings,
  SettingsPatch,
  TaskEvent,
  TaskInfo,
} from '../bindings.gen';
import type { StrataApi } from './api';
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
export const importImage = (path: string, tag: string | null): Promise<TaskInfo> =>
  call('import_image', { path, tag });
export const exportImage = (
  reference: string,
  path: string,
  format: ArchiveFormat,
  overwrite: boolean,
): Promise<TaskInfo> => call('export_image', { reference, path, format, overwrite });
export const chooseImportPath = (title: string, filterName: string): Promise<string | null> =>
  call('choose_import_path', { title, filterName });
export const chooseExportPath = (title: string, fileName: string): Promise<string | null> =>
  call('choose_export_path', { title, fileName });
export const watchDrops = (onEvent: (event: DropEvent) => void): Promise<void> =>
  call('watch_drops', { onEvent: new Channel<DropEvent>(onEvent) });

// The Tasks screen.
export const watchTasks = (onEvent: (event: TaskEvent) => void): Promise<TaskInfo[]> =>
  call('watch_tasks', { onEvent: new Channel<TaskEvent>(onEvent) });
export const cancelTask = (id: number): Promise<void> => call('cancel_task', { id });
export const clearFinishedTasks = (): Promise<number[]> => call('clear_finished_tasks');

export const tauriApi: StrataApi = {
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
};

/** True inside the Tauri webview, false in a plain browser or under vitest. */
export function insideTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
