//! What the commands share, resolved once at start-up: the store home (as `strata` resolves
//! it: `$STRATA_HOME`, else the platform data directory) and the settings file beside it.
//! A failure here does not stop the app: the window opens and each command that needs the
//! missing piece answers with the problem, which the UI shows.

use serde::Serialize;
use strata_core::home::{Home, HomeSource};
use strata_core::problem::{Explain, Problem};
use strata_core::settings::SettingsFile;

pub struct AppState {
    home: Result<Home, Problem>,
    settings: Result<SettingsFile, Problem>,
}

/// What Settings shows under "About": which Strata, and where its files are.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AppInfo {
    pub version: String,
    /// The store folder.
    pub home: String,
    /// How the store folder was chosen.
    #[cfg_attr(test, ts(type = r#""flag" | "env" | "platform""#))]
    pub home_source: HomeSource,
    /// The settings file.
    pub settings_path: String,
}

impl AppState {
    pub fn from_env() -> Self {
        let home = Home::resolve(None).map_err(|e| e.problem());
        let settings = match &home {
            Ok(home) => SettingsFile::for_home(home).map_err(|e| e.problem()),
            Err(problem) => Err(problem.clone()),
        };
        Self { home, settings }
    }

    pub fn settings(&self) -> Result<&SettingsFile, Problem> {
        self.settings.as_ref().map_err(Clone::clone)
    }

    pub fn app_info(&self) -> Result<AppInfo, Problem> {
        let home = self.home.as_ref().map_err(Clone::clone)?;
        Ok(AppInfo {
            version: strata_core::VERSION.to_string(),
            home: home.path.display().to_string(),
            home_source: home.source,
            settings_path: self.settings()?.path().display().to_string(),
        })
    }
}
