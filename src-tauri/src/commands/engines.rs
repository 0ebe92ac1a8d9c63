//! The container engines beside Strata (Podman, Docker Engine): which are there, an
//! engine's images, and an image sent to an engine or imported from it as a task. Each command is one call into
//! `strata_core::engines`; an image name or ID from the webview is checked there before it
//! becomes an argument of `podman` or a Docker API path (never through a shell).

use strata_core::engines::{self, EngineImage, EngineInfo, EngineKind, Podman};
use strata_core::image::ImportOptions;
use strata_core::problem::{Explain, Problem};
use strata_core::reference::{familiar, Reference};
use tauri::State;

use super::images::ImagesState;
use super::support::blocking;
use super::tasks::{TaskInfo, TaskKind, Tasks};

/// The engines on this machine: found or not, usable or not, and why.
#[tauri::command]
pub async fn list_engines() -> Result<Vec<EngineInfo>, Problem> {
    blocking(|| Ok(engines::engines(&Podman::from_env()))).await
}

/// An engine's images, for the Import from Podman / Docker dialog.
#[tauri::command]
pub async fn list_engine_images(engine: EngineKind) -> Result<Vec<EngineImage>, Problem> {
    blocking(move || engines::images(engine, &Podman::from_env()).map_err(|e| e.problem())).await
}

/// Starts handing the local image `reference` to `engine` as a task (an export).
#[tauri::command]
pub fn send_image(
    state: State<'_, ImagesState>,
    tasks: State<'_, Tasks>,
    reference: String,
    engine: EngineKind,
) -> Result<TaskInfo, Problem> {
    let store = state.store()?;
    store.resolve(&reference).map_err(|e| e.problem())?;
    tasks.start(
        TaskKind::Export,
        familiar(&reference),
        Some(engine.as_str().to_string()),
        None,
        move |ctx| {
            let sent = engines::send(&store, engine, &Podman::from_env(), &reference, ctx)
                .map_err(|e| e.problem())?;
            Ok(sent.loaded.into())
        },
    )
}

/// Starts bringing `image` (a name or an ID in `engine`'s store) into the store as a task
/// (an import), named `tag` when given.
#[tauri::command]
pub fn import_from_engine(
    state: State<'_, ImagesState>,
    tasks: State<'_, Tasks>,
    engine: EngineKind,
    image: String,
    tag: Option<String>,
) -> Result<TaskInfo, Problem> {
    engines::check_image_arg(&image).map_err(|e| e.problem())?;
    let store = state.store()?;
    let tag = tag
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .map(|t| Reference::parse(&t).map_err(|e| e.problem()))
        .transpose()?;
    tasks.start(
        TaskKind::Import,
        format!("{}: {image}", engine.as_str()),
        None,
        None,
        move |ctx| {
            let imported = engines::import_from(
                &store,
                engine,
                &Podman::from_env(),
                &image,
                &ImportOptions { tag },
                ctx,
            )
            .map_err(|e| e.problem())?;
            let names: Vec<String> = imported.images.iter().map(|i| familiar(&i.name)).collect();
            Ok(names.into())
        },
    )
}
