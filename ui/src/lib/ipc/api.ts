// Everything the UI asks of the shell, as one typed interface. The app talks to
// `tauriApi` (one wrapper per Tauri command, ./tauri.ts); tests and a plain browser talk to
// `FakeApi` (./fake.ts). Every method rejects with a `ProblemError`.
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

export interface StrataApi {
  /** `app_info`: version, store folder and how it was chosen. */
  appInfo(): Promise<AppInfo>;
  /** `get_settings`: the saved settings, defaults on first start. */
  getSettings(): Promise<Settings>;
  /** `set_settings`: changes some settings, returns all of them as saved. */
  setSettings(patch: SettingsPatch): Promise<Settings>;
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
  /** `check_reference`: normalises a name, or rejects with why it is not one. */
  checkReference(reference: string): Promise<CheckedReference>;
  /** `tag_image`: gives `source`'s image the name `target`; resolves to the full name. */
  tagImage(source: string, target: string): Promise<string>;
  /** `remove_image`: removes a name (or an unnamed image by digest) and frees its blobs. */
  removeImage(reference: string, force: boolean): Promise<RemoveResult>;
  /** `prune_images`: removes unnamed images and unused blobs. */
  pruneImages(): Promise<PruneResult>;
  /** `import_image`: starts an import task (an archive or OCI layout directory). */
  importImage(path: string, tag: string | null): Promise<TaskInfo>;
  /** `export_image`: starts an export task. */
  exportImage(reference: string, path: string, format: ArchiveFormat, overwrite: boolean): Promise<TaskInfo>;
  /** `choose_import_path`: the native open dialog; null when cancelled. */
  chooseImportPath(title: string, filterName: string): Promise<string | null>;
  /** `choose_export_path`: the native save dialog; null when cancelled. */
  chooseExportPath(title: string, fileName: string): Promise<string | null>;
  /** `watch_drops`: files dragged onto the window. */
  watchDrops(onEvent: (event: DropEvent) => void): Promise<void>;

  // The Tasks screen (src-tauri/src/commands/tasks.rs).
  /** `watch_tasks`: every change to a task from now on; resolves to the tasks now. */
  watchTasks(onEvent: (event: TaskEvent) => void): Promise<TaskInfo[]>;
  /** `cancel_task`: asks a running task to stop. */
  cancelTask(id: number): Promise<void>;
  /** `clear_finished_tasks`: forgets finished tasks; resolves to their ids. */
  clearFinishedTasks(): Promise<number[]>;
}
