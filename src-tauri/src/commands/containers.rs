//! The Containers screen: the list, create (from
//! the screen or an image's page) and commit as tasks, remove, the Files tab (the merged
//! tree with added/changed/deleted badges, upload, edit a text file, delete, rename,
//! chmod), the Diff tab, the commit preview, and an interactive shell in [`terminal`].
//! Each command is one call into `strata_core::container` plus the conversion to the
//! transport types below; the badge logic lives in [`tree`].

mod terminal;
pub(crate) mod tree;

use serde::Serialize;
use strata_core::container::{
    CommitOptions, Container, ContainerError, Containers, CreateOptions, Network,
};
use strata_core::image::change::{apply_change, empty_config};
use strata_core::image::{self, inspect::InspectOptions};
use strata_core::problem::{Explain, Problem};
use strata_core::reference::{familiar, Reference};
use strata_core::store::Store;
use tauri::ipc::Channel;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use super::host_path::{self, HostPath, HostPaths, PickedPath, Purpose};
use super::support::{blocking, StoreSlot};
use super::tasks::{TaskInfo, TaskKind, Tasks};
use crate::vocabulary::{AppCode, AppHint};
pub use terminal::TerminalEvent;
pub use tree::{ContainerListing, DiffRow};

/// The store, opened on first use and kept, and the open terminals.
pub struct ContainersState {
    store: StoreSlot,
    terminals: terminal::Sessions,
}

impl ContainersState {
    pub fn new() -> Self {
        Self {
            store: StoreSlot::default(),
            terminals: terminal::Sessions::default(),
        }
    }

    /// The store at the app's home, as the Images screen opens it. A failure is not kept.
    fn store(&self) -> Result<Store, Problem> {
        self.store.get()
    }

    fn containers(&self) -> Result<Containers, Problem> {
        Ok(Containers::new(&self.store()?))
    }

    fn get(&self, name: &str) -> Result<Container, Problem> {
        self.containers()?.get(name).map_err(|e| e.problem())
    }
}

impl Default for ContainersState {
    fn default() -> Self {
        Self::new()
    }
}

// ---- transport types ---------------------------------------------------------------------

/// One row of the list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ContainerRow {
    pub id: String,
    /// The first 12 hex digits of the ID.
    pub short_id: String,
    pub name: String,
    /// The image as it was named at create time, familiar (`busybox:latest`).
    pub image: String,
    /// The full image name, to open its page.
    pub image_reference: String,
    /// RFC 3339.
    pub created: String,
    /// `overlay` or `baseline`.
    pub mode: String,
    /// Bytes of the files the container added or changed (its writable layer); `null` in
    /// the list, which answers before anything is counted (see [`list_containers`]).
    #[cfg_attr(test, ts(type = "number | null"))]
    pub size: Option<u64>,
    /// Paths added, changed or deleted; `null` in the list, as `size`.
    #[cfg_attr(test, ts(type = "number | null"))]
    pub changes: Option<usize>,
}

/// A text file opened in the editor.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TextFile {
    pub path: String,
    pub text: String,
    /// Permission bits, kept when the file is saved.
    pub mode: u32,
}

/// What a commit would write: the new layer's changes and their size, before committing.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CommitPreview {
    pub changes: Vec<DiffRow>,
    /// Bytes of file content the layer will hold (before compression).
    #[cfg_attr(test, ts(type = "number"))]
    pub bytes: u64,
    /// The base image's layers, shared by digest with the new image.
    pub base_layers: usize,
    /// The image the container was made from.
    pub image: String,
}

/// What the commit dialog sends.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CommitRequest {
    /// `repository:tag`.
    pub reference: String,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub message: Option<String>,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub author: Option<String>,
    /// Dockerfile-style changes, one per entry (`CMD ["sh"]`, `ENV A=b`).
    pub changes: Vec<String>,
}

/// A container's row, with its writable layer's size and changes counted.
fn row(c: &Container) -> Result<ContainerRow, Problem> {
    let diff = c.diff().map_err(|e| e.problem())?;
    Ok(ContainerRow {
        size: Some(tree::layer_bytes(&diff)),
        changes: Some(diff.len()),
        ..uncounted_row(c)
    })
}

/// A container's row from its record alone.
fn uncounted_row(c: &Container) -> ContainerRow {
    let info = c.info();
    ContainerRow {
        id: info.id.clone(),
        short_id: info.short_id().to_string(),
        name: info.name.clone(),
        image: familiar(&info.image),
        image_reference: info.image.clone(),
        created: info.created.clone(),
        mode: info.mode.as_str().to_string(),
        size: None,
        changes: None,
    }
}

/// A trimmed, non-empty optional text.
fn given(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

// ---- commands ----------------------------------------------------------------------------

/// Every container, oldest first, from the records alone: counting a container's changes
/// walks its writable layer, or for a copy-mode container its whole root filesystem (some
/// 145–240 ms for 11,000 files), so the screen asks [`get_container`] for each row after
/// showing the list.
#[tauri::command]
pub async fn list_containers(
    state: State<'_, ContainersState>,
) -> Result<Vec<ContainerRow>, Problem> {
    let containers = state.containers()?;
    blocking(move || {
        let all = containers.all().map_err(|e| e.problem())?;
        Ok(all.iter().map(uncounted_row).collect())
    })
    .await
}

/// One container's row, with its size and changes counted (the page's header, and each
/// row of the list after it shows).
#[tauri::command]
pub async fn get_container(
    state: State<'_, ContainersState>,
    name: String,
) -> Result<ContainerRow, Problem> {
    let c = state.get(&name)?;
    blocking(move || row(&c)).await
}

/// Starts creating a container from an image as a task (unpacking the layers takes a
/// while for a large image); its outcome is the container's name. A bad name fails here.
#[tauri::command]
pub fn create_container(
    state: State<'_, ContainersState>,
    tasks: State<'_, Tasks>,
    image: String,
    name: Option<String>,
) -> Result<TaskInfo, Problem> {
    let store = state.store()?;
    let all = Containers::new(&store);
    let name = given(name);
    if let Some(n) = &name {
        all.check_new_name(n).map_err(|e| e.problem())?;
    }
    let image = image.trim().to_string();
    // The bytes to unpack: the image's layers as stored (each is reported once done).
    let total = image::inspect(&store, &image, &InspectOptions::default())
        .map_err(|e| e.problem())?
        .size;
    tasks.start(
        TaskKind::Create,
        familiar(&image),
        name.clone(),
        Some(total),
        move |ctx| {
            let opts = CreateOptions { name, mode: None };
            let c = all
                .create_with(&image, &opts, ctx)
                .map_err(|e| e.problem())?;
            Ok(vec![c.info().name.clone()].into())
        },
    )
}

/// Removes a container and the cached layers no other container uses.
#[tauri::command]
pub async fn remove_container(
    state: State<'_, ContainersState>,
    name: String,
) -> Result<(), Problem> {
    let all = state.containers()?;
    state.terminals.close_container(&name);
    blocking(move || all.remove(&name).map(|_| ()).map_err(|e| e.problem())).await
}

/// One folder of the container's merged tree, each entry with its badge, plus what was
/// deleted from the folder.
#[tauri::command]
pub async fn container_files(
    state: State<'_, ContainersState>,
    name: String,
    dir: String,
) -> Result<ContainerListing, Problem> {
    let c = state.get(&name)?;
    blocking(move || {
        let entries = c.list_files(&dir).map_err(|e| e.problem())?;
        let diff = c.diff().map_err(|e| e.problem())?;
        Ok(tree::listing(&dir, entries, &diff))
    })
    .await
}

/// Copies host files or folders into the container's folder `dir` (`strata cp`); returns
/// the container paths created. `sources` are files chosen in the open dialog or dropped
/// on the Files tab, or paths typed in the upload dialog ([`host_path::UPLOAD_SOURCE`]);
/// one that is refused refuses them all, before anything is copied.
#[tauri::command]
pub async fn upload_files(
    state: State<'_, ContainersState>,
    paths: State<'_, HostPaths>,
    name: String,
    sources: Vec<HostPath>,
    dir: String,
) -> Result<Vec<String>, Problem> {
    let sources = paths.resolve_all(&sources, &host_path::UPLOAD_SOURCE)?;
    let c = state.get(&name)?;
    blocking(move || {
        let mut out = Vec::new();
        for src in sources {
            if !src.exists() {
                return Err(Problem::new(
                    AppCode::PathNotFound,
                    format!("{} does not exist on this computer", src.display()),
                )
                .with_hint(AppHint::PathCheckOrBrowse));
            }
            out.extend(c.copy_in(&src, &dir).map_err(|e| e.problem())?);
        }
        Ok(out)
    })
    .await
}

/// The native open dialog for files to upload; `None` when cancelled. The paths stay
/// here: the UI gets a token for opening each, and its name.
#[tauri::command]
pub async fn choose_upload_paths(
    app: tauri::AppHandle,
    paths: State<'_, HostPaths>,
    title: String,
) -> Result<Option<Vec<PickedPath>>, Problem> {
    let picked = app.dialog().file().set_title(title).blocking_pick_files();
    Ok(picked.map(|files| {
        files
            .into_iter()
            .filter_map(|p| p.into_path().ok())
            .map(|p| paths.register(p, Purpose::OpenFile))
            .collect()
    }))
}

/// A text file for the editor; refuses large and binary files.
#[tauri::command]
pub async fn read_text_file(
    state: State<'_, ContainersState>,
    name: String,
    path: String,
) -> Result<TextFile, Problem> {
    let c = state.get(&name)?;
    blocking(move || {
        let t = c.read_text(&path).map_err(|e| e.problem())?;
        Ok(TextFile {
            path: t.path,
            text: t.text,
            mode: t.mode,
        })
    })
    .await
}

/// Creates or replaces a text file (the editor's Save, and New file).
#[tauri::command]
pub async fn write_text_file(
    state: State<'_, ContainersState>,
    name: String,
    path: String,
    text: String,
) -> Result<(), Problem> {
    let c = state.get(&name)?;
    blocking(move || {
        c.write_file(&path, &mut text.as_bytes(), None)
            .map(|_| ())
            .map_err(|e| e.problem())
    })
    .await
}

/// Deletes a file, a symlink or a whole folder.
#[tauri::command]
pub async fn delete_path(
    state: State<'_, ContainersState>,
    name: String,
    path: String,
) -> Result<(), Problem> {
    let c = state.get(&name)?;
    blocking(move || c.delete(&path).map_err(|e| e.problem())).await
}

#[tauri::command]
pub async fn rename_path(
    state: State<'_, ContainersState>,
    name: String,
    from: String,
    to: String,
) -> Result<(), Problem> {
    let c = state.get(&name)?;
    blocking(move || c.rename(&from, &to).map_err(|e| e.problem())).await
}

/// Changes a path's permission bits (`0o755`).
#[tauri::command]
pub async fn chmod_path(
    state: State<'_, ContainersState>,
    name: String,
    path: String,
    mode: u32,
) -> Result<(), Problem> {
    let c = state.get(&name)?;
    blocking(move || c.chmod(&path, mode).map_err(|e| e.problem())).await
}

/// `docker diff`: added, changed and deleted paths with sizes.
#[tauri::command]
pub async fn container_diff(
    state: State<'_, ContainersState>,
    name: String,
) -> Result<Vec<DiffRow>, Problem> {
    let c = state.get(&name)?;
    blocking(move || Ok(tree::diff_rows(&c.diff().map_err(|e| e.problem())?))).await
}

/// What a commit would write now: the changes and their bytes.
#[tauri::command]
pub async fn commit_preview(
    state: State<'_, ContainersState>,
    name: String,
) -> Result<CommitPreview, Problem> {
    let c = state.get(&name)?;
    blocking(move || {
        let diff = c.diff().map_err(|e| e.problem())?;
        Ok(CommitPreview {
            bytes: tree::layer_bytes(&diff),
            changes: tree::diff_rows(&diff),
            base_layers: c.info().layers.len(),
            image: familiar(&c.info().image),
        })
    })
    .await
}

/// Checks one Dockerfile-style change the way the commit will apply it.
#[tauri::command]
pub fn check_change(change: String) -> Result<(), Problem> {
    apply_change(&mut empty_config(), &change).map_err(|e| e.problem())
}

/// Starts a commit as a task; its outcome is the new image's full name. What the commit
/// would refuse (a bad name, a bad change, a container with no changes) fails here,
/// before any task exists.
#[tauri::command]
pub fn commit_container(
    state: State<'_, ContainersState>,
    tasks: State<'_, Tasks>,
    name: String,
    request: CommitRequest,
) -> Result<TaskInfo, Problem> {
    let c = state.get(&name)?;
    let reference = Reference::parse(request.reference.trim()).map_err(|e| e.problem())?;
    let changes: Vec<String> = request
        .changes
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let opts = CommitOptions {
        message: given(request.message),
        author: given(request.author),
        changes,
        ..CommitOptions::new(reference.clone())
    };
    c.check_commit(&opts).map_err(|e| e.problem())?;
    tasks.start(
        TaskKind::Commit,
        c.info().name.clone(),
        Some(reference.familiar()),
        None,
        move |ctx| {
            // Progress: the new layer's compressed bytes; a cancel names nothing.
            let done = c.commit_with(&opts, ctx).map_err(|e| e.problem())?;
            Ok(vec![done.name].into())
        },
    )
}

/// Opens an interactive shell in the container on a pseudo-terminal; its output and its
/// end arrive on `on_event`. `network` is `strata run --network`'s word (`slirp4netns`,
/// the default; `host`; `none`). Returns the session's id for input, resize and close.
#[tauri::command]
pub async fn open_terminal(
    state: State<'_, ContainersState>,
    name: String,
    cols: u16,
    rows: u16,
    network: Option<String>,
    on_event: Channel<TerminalEvent>,
) -> Result<u32, Problem> {
    let network: Network = match network.as_deref() {
        Some(word) => word.parse().map_err(|e: ContainerError| e.problem())?,
        None => Network::default(),
    };
    let c = state.get(&name)?;
    let sessions = state.terminals.clone();
    blocking(move || sessions.open(&c, cols, rows, network, on_event)).await
}

/// Keys typed in the terminal.
#[tauri::command]
pub fn terminal_input(
    state: State<'_, ContainersState>,
    id: u32,
    data: String,
) -> Result<(), Problem> {
    state.terminals.input(id, data.as_bytes())
}

#[tauri::command]
pub fn terminal_resize(
    state: State<'_, ContainersState>,
    id: u32,
    cols: u16,
    rows: u16,
) -> Result<(), Problem> {
    state.terminals.resize(id, cols, rows)
}

/// Ends the shell (the tab was closed).
#[tauri::command]
pub fn close_terminal(state: State<'_, ContainersState>, id: u32) {
    state.terminals.close(id);
}
