//! Non-secret settings: language and theme (`strata_core::settings`).

use strata_core::problem::{Explain, Problem};
use strata_core::settings::{Settings, SettingsPatch};
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
