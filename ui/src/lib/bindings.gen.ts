// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p strata-app bindings`.
// Do not edit: change the Rust type and regenerate.

export type Problem = { 
/**
 * Stable, machine-readable: `settings.invalid`, `store.not_found`, …
 */
code: string, 
/**
 * One sentence a person understands.
 */
message: string, 
/**
 * What the person can do about it, when known.
 */
hint?: string, };

export type AppInfo = { version: string, 
/**
 * The store folder.
 */
home: string, 
/**
 * How the store folder was chosen.
 */
home_source: "flag" | "env" | "platform", 
/**
 * The settings file.
 */
settings_path: string, };

export type Language = "system" | "en" | "zh-CN";

export type Theme = "system" | "light" | "dark";

export type Settings = { language: Language, theme: Theme, };

export type SettingsPatch = { language?: Language, theme?: Theme, };

export type ImageRow = { 
/**
 * `nginx`, `ghcr.io/o/app`; `<none>` for an unnamed image.
 */
repository: string, tag: string, 
/**
 * The full normalised reference; empty for an unnamed image.
 */
name: string, 
/**
 * What to pass to the other commands: the name, else the digest.
 */
reference: string, 
/**
 * The first 12 hex digits of the digest (the IMAGE ID column).
 */
id: string, 
/**
 * The manifest or index digest.
 */
digest: string, 
/**
 * RFC 3339.
 */
created: string | null, size: number, 
/**
 * Of `size`, bytes another image uses too.
 */
shared: number, 
/**
 * What removing the image alone frees.
 */
unique: number, 
/**
 * How many names the image has in all.
 */
names: number, platforms: Array<string>, containers: Array<string>, };

export type DiskSummary = { images: number, 
/**
 * Every blob in the store.
 */
total: number, 
/**
 * Bytes that more than one image uses.
 */
shared: number, 
/**
 * Bytes only one image uses.
 */
unique: number, 
/**
 * Bytes no image uses (prune removes them).
 */
unused: number, 
/**
 * What prune and removing every image no container uses would free.
 */
reclaimable: number, };

export type ImagesOverview = { rows: Array<ImageRow>, usage: DiskSummary, };

export type ImageInfo = { reference: string, names: Array<string>, 
/**
 * The config digest (docker's image ID).
 */
id: string, manifest_digest: string, media_type: string, index_digest: string | null, platforms: Array<string>, 
/**
 * `os/arch[/variant]` of this image.
 */
platform: string, created: string | null, author: string | null, env: Array<string>, entrypoint: Array<string>, cmd: Array<string>, working_dir: string | null, user: string | null, 
/**
 * Sorted by key.
 */
labels: Array<[string, string]>, exposed_ports: Array<string>, volumes: Array<string>, layers: number, size: number, };

export type HistoryRow = { created: string | null, created_by: string | null, comment: string | null, empty_layer: boolean, layer: string | null, 
/**
 * Unpacked when known (what docker shows), else as stored.
 */
size: number, };

export type EntryKind = "file" | "dir" | "symlink" | "hardlink" | "chardevice" | "blockdevice" | "fifo";

export type ChangeRow = { path: string, change: "added" | "changed" | "whitedout" | "opaque", 
/**
 * For a whiteout, what it deleted (`null` when nothing was there).
 */
kind: EntryKind | null, size: number, };

export type LayerView = { 
/**
 * 0 = bottom.
 */
index: number, digest: string, diff_id: string | null, media_type: string, 
/**
 * Bytes as stored.
 */
size: number, 
/**
 * The history step that made it.
 */
created_by: string | null, added: number, changed: number, 
/**
 * Whiteouts: paths of lower layers deleted.
 */
deleted: number, 
/**
 * Opaque directories: lower contents hidden.
 */
opaque: number, 
/**
 * The first [`MAX_CHANGES`] changes, in tar order.
 */
changes: Array<ChangeRow>, 
/**
 * Changes not listed.
 */
more: number, };

export type Removal = { kind: "whiteout" | "opaque", layer: number, 
/**
 * Paths of lower layers it hid.
 */
paths: number, };

export type FileEntry = { name: string, 
/**
 * From the root, without a leading `/`.
 */
path: string, 
/**
 * `null` for a deleted entry.
 */
kind: EntryKind | null, size: number, mode: number, 
/**
 * The layer it comes from; `null` for a deleted entry.
 */
layer: number | null, link_target: string | null, 
/**
 * Set when a whiteout deleted it: the entry is gone from the merged view.
 */
removed: Removal | null, 
/**
 * Set when the directory is opaque: lower layers' contents are hidden.
 */
opaque: Removal | null, };

export type FileListing = { layer_count: number, 
/**
 * The top layer merged (0 = bottom).
 */
layer: number, dir: string, 
/**
 * Folders first, then by name; deleted entries among them.
 */
entries: Array<FileEntry>, };

export type ArchiveFormat = "docker-archive" | "oci-archive";

export type CheckedReference = { 
/**
 * `docker.io/library/nginx:latest`.
 */
full: string, 
/**
 * `nginx:latest`.
 */
familiar: string, };

export type RemoveResult = { 
/**
 * Names removed, as people write them.
 */
untagged: Array<string>, 
/**
 * The image itself went (no name is left for it).
 */
image_removed: boolean, bytes_freed: number, };

export type PruneResult = { images_removed: number, blobs_removed: number, bytes_freed: number, };

export type DropEvent = { "type": "enter", paths: Array<string>, } | { "type": "drop", paths: Array<string>, } | { "type": "leave" };

export type TaskKind = "import" | "export";

export type TaskState = "running" | "done" | "failed" | "cancelled";

export type TaskInfo = { id: number, kind: TaskKind, 
/**
 * What the task works on: the archive imported, the image exported.
 */
subject: string, 
/**
 * Where the result goes (the file an export writes), when that differs.
 */
target: string | null, state: TaskState, 
/**
 * Bytes done so far.
 */
done: number, 
/**
 * Bytes in all, when known.
 */
total: number | null, 
/**
 * Start time, milliseconds since the Unix epoch.
 */
started_ms: number, 
/**
 * What came out, for a finished task: the image names imported, the file written.
 */
outcome: Array<string>, 
/**
 * Why it failed.
 */
problem: Problem | null, };

export type TaskEvent = { "type": "update", task: TaskInfo, } | { "type": "removed", ids: Array<number>, };
