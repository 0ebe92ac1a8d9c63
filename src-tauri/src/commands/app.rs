//! The app itself: version and store location, and the UI's "I am on screen" signal.

use strata_core::problem::Problem;
use tauri::State;

use crate::startup::Probe;
use crate::state::{AppInfo, AppState};

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, Problem> {
    state.app_info()
}

/// Called once by the UI when its first screen is mounted and painted.
#[tauri::command]
pub fn ui_ready(app: tauri::AppHandle, probe: State<'_, Probe>) {
    probe.ui_ready(app);
}
