//! The Images screen: the table with disk usage, an
//! image's Overview, History, Layers, Files, Analysis, Compare and Packages tabs (and its SBOM), import and export as tasks, tag,
//! remove and prune, and the native file dialogs. Each command is one call into
//! `strata_core` (`store`, `image`, `layer`) plus the conversion to the transport types
//! below; the Layers and Files tabs map `strata_core::image::files` in [`layers`].
//! Host paths (the archive to import, the file to export to, files dropped on the window)
//! cross IPC as tokens or typed paths, never as bare strings: see [`super::host_path`].

pub(crate) mod layers;

use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use strata_core::image::table::{self, ImagesOverview};
use strata_core::image::{self, inspect::InspectOptions, ExportFormat, ExportOptions};
use strata_core::insight::{self, Analysis, AnalyzeOptions, Comparison, Packages, SbomFormat};
use strata_core::problem::{Explain, Problem};
use strata_core::reference::{familiar, Reference};
use strata_core::store::Store;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use super::host_path::{self, HostPath, HostPaths, PickedPath, Purpose};
use super::support::{blocking, StoreSlot};
use super::tasks::{TaskInfo, TaskKind, Tasks};
use crate::vocabulary::AppHint;
pub use layers::{FileListing, LayerView};

/// The store, opened on first use (opening creates the layout) and kept; plus the merged
/// trees the Files tab looked at last.
pub struct ImagesState {
    store: StoreSlot,
    trees: layers::TreeCache,
}

impl ImagesState {
    pub fn new() -> Self {
        Self {
            store: StoreSlot::default(),
            trees: layers::TreeCache::default(),
        }
    }

    /// The store at the app's home (`$STRATA_HOME`, else the platform data directory, as
    /// `AppState` resolves it). A failure is not kept: the next call tries again.
    pub(crate) fn store(&self) -> Result<Store, Problem> {
        self.store.get()
    }
}

impl Default for ImagesState {
    fn default() -> Self {
        Self::new()
    }
}

// ---- transport types ---------------------------------------------------------------------

/// The Overview tab.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ImageInfo {
    pub reference: String,
    pub names: Vec<String>,
    /// The config digest (docker's image ID).
    pub id: String,
    pub manifest_digest: String,
    pub media_type: String,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub index_digest: Option<String>,
    pub platforms: Vec<String>,
    /// `os/arch[/variant]` of this image.
    pub platform: String,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub created: Option<String>,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub author: Option<String>,
    pub env: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub working_dir: Option<String>,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub user: Option<String>,
    /// Sorted by key.
    pub labels: Vec<(String, String)>,
    pub exposed_ports: Vec<String>,
    pub volumes: Vec<String>,
    pub layers: usize,
    #[cfg_attr(test, ts(type = "number"))]
    pub size: u64,
}

/// One row of the History tab, newest first, as `docker history` lists them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct HistoryRow {
    #[cfg_attr(test, ts(type = "string | null"))]
    pub created: Option<String>,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub created_by: Option<String>,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub comment: Option<String>,
    pub empty_layer: bool,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub layer: Option<String>,
    /// Unpacked when known (what docker shows), else as stored.
    #[cfg_attr(test, ts(type = "number"))]
    pub size: u64,
}

/// The archive formats the export dialog offers.
#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveFormat {
    /// `docker save`'s format, which `docker load` reads.
    DockerArchive,
    /// An OCI image layout in a tar.
    OciArchive,
}

/// A reference the tag dialog checked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CheckedReference {
    /// `docker.io/library/nginx:latest`.
    pub full: String,
    /// `nginx:latest`.
    pub familiar: String,
}

/// What removing one row did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RemoveResult {
    /// Names removed, as people write them.
    pub untagged: Vec<String>,
    /// The image itself went (no name is left for it).
    pub image_removed: bool,
    #[cfg_attr(test, ts(type = "number"))]
    pub bytes_freed: u64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PruneResult {
    pub images_removed: usize,
    pub blobs_removed: usize,
    #[cfg_attr(test, ts(type = "number"))]
    pub bytes_freed: u64,
}

// ---- commands ----------------------------------------------------------------------------

/// The table and the disk usage summary, from one pass over the store.
#[tauri::command]
pub async fn images_overview(state: State<'_, ImagesState>) -> Result<ImagesOverview, Problem> {
    let store = state.store()?;
    blocking(move || table::overview(&store).map_err(|e| e.problem())).await
}

#[tauri::command]
pub async fn inspect_image(
    state: State<'_, ImagesState>,
    reference: String,
) -> Result<ImageInfo, Problem> {
    let store = state.store()?;
    blocking(move || {
        let d = image::inspect(&store, &reference, &InspectOptions::default())
            .map_err(|e| e.problem())?;
        let c = d.config;
        Ok(ImageInfo {
            reference: d.reference,
            names: d.names,
            id: d.id.to_string(),
            manifest_digest: d.manifest_digest.to_string(),
            media_type: d.media_type,
            index_digest: d.index_digest.map(|d| d.to_string()),
            platforms: d.platforms,
            platform: d.platform.to_string(),
            created: d.created,
            author: d.author,
            env: c.env,
            entrypoint: c.entrypoint,
            cmd: c.cmd,
            working_dir: c.working_dir,
            user: c.user,
            labels: c.labels.into_iter().collect(),
            exposed_ports: c.exposed_ports,
            volumes: c.volumes,
            layers: d.layers.len(),
            size: d.size,
        })
    })
    .await
}

#[tauri::command]
pub async fn image_history(
    state: State<'_, ImagesState>,
    reference: String,
) -> Result<Vec<HistoryRow>, Problem> {
    let store = state.store()?;
    blocking(move || {
        let opts = InspectOptions {
            compute_sizes: true,
            ..InspectOptions::default()
        };
        let entries = image::history(&store, &reference, &opts).map_err(|e| e.problem())?;
        Ok(entries
            .into_iter()
            .map(|h| HistoryRow {
                created: h.created,
                created_by: h.created_by,
                comment: h.comment,
                empty_layer: h.empty_layer,
                layer: h.layer.map(|d| d.to_string()),
                size: h.uncompressed_size.unwrap_or(h.size),
            })
            .collect())
    })
    .await
}

/// Every layer, bottom first, with what it adds, changes and deletes.
#[tauri::command]
pub async fn image_layers(
    state: State<'_, ImagesState>,
    reference: String,
) -> Result<Vec<LayerView>, Problem> {
    let store = state.store()?;
    let trees = state.trees.clone();
    blocking(move || layers::layer_views(&store, &trees, &reference)).await
}

/// One folder of the merged tree after layer `layer` (the top layer when absent).
#[tauri::command]
pub async fn image_files(
    state: State<'_, ImagesState>,
    reference: String,
    layer: Option<usize>,
    dir: String,
) -> Result<FileListing, Problem> {
    let store = state.store()?;
    let trees = state.trees.clone();
    blocking(move || layers::list_dir(&store, &trees, &reference, layer, &dir)).await
}

/// The Analysis tab: dive's efficiency and wasted bytes, and each layer's visible and
/// hidden bytes, as `strata analyze` computes them.
#[tauri::command]
pub async fn analyze_image(
    state: State<'_, ImagesState>,
    reference: String,
) -> Result<Analysis, Problem> {
    let store = state.store()?;
    blocking(move || {
        insight::analyze(&store, &reference, None, &AnalyzeOptions::default())
            .map_err(|e| e.problem())
    })
    .await
}

/// The Compare tab: the layers two images share, the files and config values that differ,
/// as `strata compare` computes them.
#[tauri::command]
pub async fn compare_images(
    state: State<'_, ImagesState>,
    a: String,
    b: String,
) -> Result<Comparison, Problem> {
    let store = state.store()?;
    blocking(move || insight::compare(&store, &a, &b, None).map_err(|e| e.problem())).await
}

/// The Packages tab: the OS and the packages installed, as `strata packages` reads them.
#[tauri::command]
pub async fn image_packages(
    state: State<'_, ImagesState>,
    reference: String,
) -> Result<Packages, Problem> {
    let store = state.store()?;
    blocking(move || insight::packages(&store, &reference, None).map_err(|e| e.problem())).await
}

/// "Export SBOM…" on the Packages tab: the image's SBOM in `format`, written to the file
/// chosen in the save dialog (which asked before returning an existing file). Returns the
/// path written, for display.
#[tauri::command]
pub async fn export_sbom(
    state: State<'_, ImagesState>,
    paths: State<'_, HostPaths>,
    reference: String,
    target: HostPath,
    format: SbomFormat,
) -> Result<String, Problem> {
    let target = paths.resolve(&target, &host_path::SBOM_TARGET)?;
    let store = state.store()?;
    blocking(move || {
        let p = insight::packages(&store, &reference, None).map_err(|e| e.problem())?;
        insight::write_sbom(
            &insight::sbom(&p, format),
            &target.path,
            target.replace_confirmed,
        )
        .map_err(|e| e.problem())?;
        Ok(target.path.display().to_string())
    })
    .await
}

/// Checks a name the way `strata tag` will read it.
#[tauri::command]
pub fn check_reference(reference: String) -> Result<CheckedReference, Problem> {
    let r = Reference::parse(&reference).map_err(|e| e.problem())?;
    Ok(CheckedReference {
        full: r.to_string(),
        familiar: r.familiar(),
    })
}

/// Gives `source`'s image the name `target` (`strata tag`); returns the full name.
#[tauri::command]
pub async fn tag_image(
    state: State<'_, ImagesState>,
    source: String,
    target: String,
) -> Result<String, Problem> {
    let store = state.store()?;
    blocking(move || {
        let full = store.tag(&source, &target).map_err(|e| e.problem())?;
        Ok(full.to_string())
    })
    .await
}

/// Removes a name, or an unnamed image by digest (`strata rmi`), then frees what no image
/// uses any more.
#[tauri::command]
pub async fn remove_image(
    state: State<'_, ImagesState>,
    reference: String,
    force: bool,
) -> Result<RemoveResult, Problem> {
    let store = state.store()?;
    blocking(move || {
        let out = store
            .remove_image(&reference, force)
            .map_err(|e| e.problem())?;
        let removed: &[_] = if out.image_removed {
            std::slice::from_ref(&out.image)
        } else {
            &[]
        };
        let gc = store.free(removed).map_err(|e| e.problem())?;
        Ok(RemoveResult {
            untagged: out.untagged.iter().map(|n| familiar(n)).collect(),
            image_removed: out.image_removed,
            bytes_freed: gc.bytes_freed,
        })
    })
    .await
}

/// Removes unnamed images no container uses and every blob no image uses (`strata prune`).
#[tauri::command]
pub async fn prune_images(state: State<'_, ImagesState>) -> Result<PruneResult, Problem> {
    let store = state.store()?;
    blocking(move || {
        let report = store.prune().map_err(|e| e.problem())?;
        Ok(PruneResult {
            images_removed: report.images_removed.len(),
            blobs_removed: report.gc.removed.len(),
            bytes_freed: report.gc.bytes_freed,
        })
    })
    .await
}

/// Starts importing a `docker save` archive, an OCI archive or an OCI layout directory as
/// a task. `source` is a file chosen in the open dialog or dropped on the window, or a
/// path typed in the dialog ([`host_path::IMPORT_SOURCE`]). Bad input (no such file, a
/// bad name) fails here, before any task exists.
#[tauri::command]
pub fn import_image(
    state: State<'_, ImagesState>,
    tasks: State<'_, Tasks>,
    paths: State<'_, HostPaths>,
    source: HostPath,
    tag: Option<String>,
) -> Result<TaskInfo, Problem> {
    let path = paths.resolve(&source, &host_path::IMPORT_SOURCE)?.path;
    let store = state.store()?;
    let tag = tag
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .map(|t| Reference::parse(&t).map_err(|e| e.problem()))
        .transpose()?;
    // A path that cannot be opened fails here, before any task exists.
    std::fs::metadata(&path).map_err(|source| {
        strata_core::image::ImageError::Io {
            action: "open",
            path: path.clone(),
            source,
        }
        .problem()
        .with_hint(AppHint::PathCheckArchive)
    })?;
    // The engine reports the archive itself as the task's unit: that measures the job.
    tasks.start(
        TaskKind::Import,
        path.display().to_string(),
        None,
        None,
        move |ctx| {
            let imported = image::import(&store, &path, &image::ImportOptions { tag }, ctx)
                .map_err(|e| e.problem())?;
            let names: Vec<String> = imported.images.iter().map(|i| familiar(&i.name)).collect();
            Ok(names.into())
        },
    )
}

/// Starts exporting an image to an archive as a task. `target` is a file chosen in the
/// save dialog, or a path typed in the export dialog ([`host_path::EXPORT_TARGET`]).
///
/// An existing file is replaced only with the person's answer: `overwrite`, which the UI
/// sets after it asked, or the save dialog's own "Replace?" for the file it returned
/// (see [`host_path`]). Otherwise it is refused here with `image.would_overwrite`, before
/// any task exists (and the engine refuses again, atomically, at its final rename).
#[tauri::command]
pub fn export_image(
    state: State<'_, ImagesState>,
    tasks: State<'_, Tasks>,
    paths: State<'_, HostPaths>,
    reference: String,
    target: HostPath,
    format: ArchiveFormat,
    overwrite: bool,
) -> Result<TaskInfo, Problem> {
    let (dest, opts) = export_plan(&paths, &target, format, overwrite)?;
    let store = state.store()?;
    // The bytes to copy: the layers as stored (the export reads each once).
    let total = image::inspect(&store, &reference, &InspectOptions::default())
        .map_err(|e| e.problem())?
        .size;
    tasks.start(
        TaskKind::Export,
        familiar(&reference),
        Some(dest.display().to_string()),
        Some(total),
        move |ctx| {
            image::export(&store, &reference, &dest, &opts, ctx).map_err(|e| e.problem())?;
            Ok(vec![dest.display().to_string()].into())
        },
    )
}

/// Where an export writes and how, if it may: the target resolved for writing, and
/// replacing an existing file only with `overwrite` or the save dialog's answer.
fn export_plan(
    paths: &HostPaths,
    target: &HostPath,
    format: ArchiveFormat,
    overwrite: bool,
) -> Result<(PathBuf, ExportOptions), Problem> {
    let target = paths.resolve(target, &host_path::EXPORT_TARGET)?;
    let opts = ExportOptions {
        format: match format {
            ArchiveFormat::DockerArchive => ExportFormat::Docker,
            ArchiveFormat::OciArchive => ExportFormat::Oci,
        },
        platform: None,
        overwrite: overwrite || target.replace_confirmed,
    };
    image::check_destination(&target.path, &opts).map_err(|e| e.problem())?;
    Ok((target.path, opts))
}

/// Files dragged over the window, forwarded to the UI, which shows a drop zone and imports
/// (or, on a container's Files tab, uploads) what is dropped. Tauri's drag-drop event gives
/// the shell their paths; the UI gets tokens for them and names to show, never the paths
/// as something it could pass back ([`super::host_path`]).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DropEvent {
    /// Files are over the window.
    Enter,
    /// They were dropped: each is a file or folder to open.
    Drop { files: Vec<PickedPath> },
    /// They left without a drop.
    Leave,
}

/// The UI's subscriptions to [`DropEvent`]s.
#[derive(Default)]
pub struct Drops {
    watchers: Mutex<Vec<tauri::ipc::Channel<DropEvent>>>,
}

impl Drops {
    fn send(&self, event: DropEvent) {
        let mut watchers = self.watchers.lock().unwrap_or_else(|e| e.into_inner());
        watchers.retain(|channel| channel.send(event.clone()).is_ok());
    }
}

/// Forwards the window's drag-and-drop of files to the UI (registered in `main`). This is
/// Tauri's native event, on the Rust side: the dropped paths come from the window system,
/// not from the webview, and are registered as tokens for opening here.
pub fn on_window_event(window: &tauri::Window, event: &tauri::WindowEvent) {
    use tauri::{DragDropEvent, Manager};
    let tauri::WindowEvent::DragDrop(drag) = event else {
        return;
    };
    let event = match drag {
        DragDropEvent::Enter { .. } => DropEvent::Enter,
        DragDropEvent::Drop { paths, .. } => DropEvent::Drop {
            files: dropped(&window.state::<HostPaths>(), paths),
        },
        DragDropEvent::Leave => DropEvent::Leave,
        _ => return,
    };
    window.state::<Drops>().send(event);
}

/// Tokens for dropped files and folders (a folder is opened as a folder).
fn dropped(paths: &HostPaths, dropped: &[PathBuf]) -> Vec<PickedPath> {
    dropped
        .iter()
        .map(|p| {
            let purpose = if p.is_dir() {
                Purpose::OpenFolder
            } else {
                Purpose::OpenFile
            };
            paths.register(p.clone(), purpose)
        })
        .collect()
}

/// Subscribes the UI to files dragged onto the window.
#[tauri::command]
pub fn watch_drops(drops: State<'_, Drops>, on_event: tauri::ipc::Channel<DropEvent>) {
    drops
        .watchers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(on_event);
}

/// The native "open" dialog for an archive to import; `None` when cancelled. The path
/// stays here: the UI gets a token for opening it and its name.
#[tauri::command]
pub async fn choose_import_path(
    app: tauri::AppHandle,
    paths: State<'_, HostPaths>,
    title: String,
    filter_name: String,
) -> Result<Option<PickedPath>, Problem> {
    Ok(host_path::pick_file_to_open(
        &app,
        &paths,
        title,
        filter_name,
        &["tar", "gz", "tgz", "zst"],
    ))
}

/// The native "save" dialog for an export; `None` when cancelled. The dialog itself asks
/// before it returns an existing file, and the token remembers that answer.
#[tauri::command]
pub async fn choose_export_path(
    app: tauri::AppHandle,
    paths: State<'_, HostPaths>,
    title: String,
    file_name: String,
) -> Result<Option<PickedPath>, Problem> {
    let picked = app
        .dialog()
        .file()
        .set_title(title)
        .set_file_name(file_name)
        .blocking_save_file();
    Ok(picked
        .and_then(|p| p.into_path().ok())
        .map(|p| paths.register(p, Purpose::SaveFile)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_replaces_an_existing_file_only_with_the_persons_answer() {
        let dir = std::env::temp_dir().join(format!("strata-export-plan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let old = dir.join("old.tar");
        std::fs::write(&old, b"old").unwrap();
        let paths = HostPaths::default();
        let plan = |target: &HostPath, overwrite: bool| {
            export_plan(&paths, target, ArchiveFormat::DockerArchive, overwrite)
        };
        let typed = |p: &std::path::Path| HostPath::Typed {
            path: p.display().to_string(),
        };
        let chosen = |p: PickedPath| HostPath::Chosen { token: p.token };

        // Typed: a new file is fine; an existing one needs the UI's explicit answer.
        let new = plan(&typed(&dir.join("new.tar")), false).unwrap();
        assert!(!new.1.overwrite);
        let err = plan(&typed(&old), false).unwrap_err();
        assert_eq!(err.code, "image.would_overwrite");
        assert!(plan(&typed(&old), true).unwrap().1.overwrite);

        // The save dialog asked about the file it returned: that answer counts.
        let saved = paths.register(old.clone(), Purpose::SaveFile);
        assert!(plan(&chosen(saved), false).unwrap().1.overwrite);
        // A file that appeared after the dialog was never asked about.
        let later = dir.join("later.tar");
        let fresh = paths.register(later.clone(), Purpose::SaveFile);
        std::fs::write(&later, b"meanwhile").unwrap();
        let err = plan(&chosen(fresh), false).unwrap_err();
        assert_eq!(err.code, "image.would_overwrite");

        // A file chosen for opening is never written.
        let opened = paths.register(old.clone(), Purpose::OpenFile);
        let err = plan(&chosen(opened), true).unwrap_err();
        assert_eq!(err.code, "path.wrong_purpose");
        // A folder in the way is not replaced, whatever the answer.
        let err = plan(&typed(&dir), true).unwrap_err();
        assert_eq!(err.code, "image.exists");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dropped_files_and_folders_become_tokens_for_opening() {
        let dir = std::env::temp_dir().join(format!("strata-drop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("app.tar");
        std::fs::write(&file, b"x").unwrap();
        let paths = HostPaths::default();
        let got = dropped(&paths, &[file.clone(), dir.clone()]);
        assert_eq!(got[0].name, "app.tar");
        let back = |p: &PickedPath, a| {
            paths.resolve(
                &HostPath::Chosen {
                    token: p.token.clone(),
                },
                a,
            )
        };
        assert_eq!(back(&got[0], &host_path::IMPORT_SOURCE).unwrap().path, file);
        assert_eq!(back(&got[1], &host_path::UPLOAD_SOURCE).unwrap().path, dir);
        // Dropped to be read, never to be written over.
        let err = back(&got[0], &host_path::EXPORT_TARGET).unwrap_err();
        assert_eq!(err.code, "path.wrong_purpose");
        // The CA field takes a file, not a folder.
        let err = back(&got[1], &host_path::REGISTRY_CA).unwrap_err();
        assert_eq!(err.code, "path.wrong_purpose");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn check_reference_normalises_and_explains_bad_names() {
        let ok = check_reference("nginx".into()).unwrap();
        assert_eq!(ok.full, "docker.io/library/nginx:latest");
        assert_eq!(ok.familiar, "nginx:latest");
        let bad = check_reference("Not A Name".into()).unwrap_err();
        assert_eq!(bad.code, "reference.invalid");
    }
}
