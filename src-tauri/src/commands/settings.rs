//! Non-secret settings: language, theme, push compression, registry mirrors and the proxy
//! (`strata_core::settings`).

use strata_core::problem::{Explain, Problem};
use strata_core::settings::{MirrorImport, MirrorSource, ProxySettings, Settings, SettingsPatch};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Result<Settings, Problem> {
    state.settings()?.load().map_err(|e| e.problem())
}

#[tauri::command]
pub fn set_settings(state: State<'_, AppState>, patch: SettingsPatch) -> Result<Settings, Problem> {
    state.settings()?.update(patch).map_err(|e| e.problem())
}

/// Adds a mirror for `registry`, tried after the ones it has.
#[tauri::command]
pub fn add_mirror(
    state: State<'_, AppState>,
    registry: String,
    url: String,
) -> Result<Settings, Problem> {
    Ok(state
        .settings()?
        .add_mirror(&registry, &url)
        .map_err(|e| e.problem())?
        .0)
}

/// Removes one mirror of `registry`, or all of them when `url` is absent.
#[tauri::command]
pub fn remove_mirror(
    state: State<'_, AppState>,
    registry: String,
    url: Option<String>,
) -> Result<Settings, Problem> {
    Ok(state
        .settings()?
        .remove_mirror(&registry, url.as_deref())
        .map_err(|e| e.problem())?
        .0)
}

/// Adds the mirrors of this machine's docker daemon.json or containers' registries.conf.
/// Only the system file of each: a path from the webview would let a script read any file
/// the app can, and a parse error quotes the line it stopped at.
#[tauri::command]
pub fn import_mirrors(
    state: State<'_, AppState>,
    source: MirrorSource,
) -> Result<MirrorImport, Problem> {
    state
        .settings()?
        .import_mirrors(source, None)
        .map_err(|e| e.problem())
}

/// Sets the proxy, or with `None` goes back to the environment's.
#[tauri::command]
pub fn set_proxy(
    state: State<'_, AppState>,
    proxy: Option<ProxySettings>,
) -> Result<Settings, Problem> {
    state
        .settings()?
        .set_proxy(
            proxy
                .as_ref()
                .map(|p| (p.url.as_str(), p.no_proxy.as_str())),
        )
        .map_err(|e| e.problem())
}
