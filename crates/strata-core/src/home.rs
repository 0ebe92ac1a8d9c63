//! Where the store lives: `--home DIR`, else `$STRATA_HOME`, else the platform's data
//! directory (`~/.local/share/strata` on Linux, `~/Library/Application Support/dev.strata.Strata`
//! on macOS, `%APPDATA%\strata\Strata\data` on Windows). The CLI and the app resolve it the
//! same way so that both see one store.

use std::path::{Path, PathBuf};

/// The environment variable that names the store when `--home` is not given.
pub const HOME_ENV: &str = "STRATA_HOME";

/// How the location was chosen, shown by `strata --help`-adjacent output and Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HomeSource {
    Flag,
    Env,
    Platform,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Home {
    pub path: PathBuf,
    pub source: HomeSource,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot find a data directory for this user; pass --home DIR or set {HOME_ENV}")]
pub struct NoHome;

impl crate::problem::Explain for NoHome {
    fn code(&self) -> crate::problem::Code {
        crate::problem::Code::HomeUnknown
    }
}

impl Home {
    /// Resolves the store location from an explicit flag and the process environment.
    pub fn resolve(flag: Option<&Path>) -> Result<Home, NoHome> {
        Self::resolve_with(flag, std::env::var_os(HOME_ENV).map(PathBuf::from))
    }

    /// As [`Home::resolve`], with the environment passed in (for tests).
    pub fn resolve_with(flag: Option<&Path>, env: Option<PathBuf>) -> Result<Home, NoHome> {
        if let Some(path) = flag {
            return Ok(Home {
                path: path.to_path_buf(),
                source: HomeSource::Flag,
            });
        }
        if let Some(path) = env.filter(|p| !p.as_os_str().is_empty()) {
            return Ok(Home {
                path,
                source: HomeSource::Env,
            });
        }
        let dirs = directories::ProjectDirs::from("dev", "strata", "strata").ok_or(NoHome)?;
        Ok(Home {
            path: dirs.data_dir().to_path_buf(),
            source: HomeSource::Platform,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_env_beats_platform() {
        let flag = Path::new("/tmp/flag");
        let env = Some(PathBuf::from("/tmp/env"));
        let h = Home::resolve_with(Some(flag), env.clone()).unwrap();
        assert_eq!((h.path.as_path(), h.source), (flag, HomeSource::Flag));
        let h = Home::resolve_with(None, env).unwrap();
        assert_eq!(
            (h.path, h.source),
            (PathBuf::from("/tmp/env"), HomeSource::Env)
        );
        let h = Home::resolve_with(None, Some(PathBuf::new())).unwrap();
        assert_eq!(h.source, HomeSource::Platform);
        assert!(h.path.ends_with("strata"), "{}", h.path.display());
    }
}
