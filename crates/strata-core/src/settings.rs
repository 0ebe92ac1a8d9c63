//! Non-secret settings the person chooses in the app (language, theme, push compression,
//! registry mirrors, a network proxy), kept as one small JSON file (DESIGN.md, "catalog": non-secret settings only; secrets live in the keychain).
//!
//! Where: `<home>/settings.json` when the store was named explicitly (`--home` or
//! `$STRATA_HOME`), so that a portable or test store carries its own settings; otherwise
//! the platform's config directory (`~/.config/strata/settings.json` on Linux).
//!
//! The file is written atomically (temp file in the same folder → fsync → rename → fsync of
//! the folder), so a crash never leaves half a file. Fields this version does not know are
//! kept as they were, so an older and a newer Strata can share one file.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::home::{Home, HomeSource};
use crate::layer::Compression;
use crate::problem::{Code, Explain, Hint, HintKey, HintName as _};
use crate::registry::mirrors;
use crate::transfer::LayerCompression;

/// The file name, in the config directory or the store home.
pub const FILE_NAME: &str = "settings.json";

/// A settings file larger than this is not ours (it holds a few short values).
const MAX_BYTES: u64 = 1024 * 1024;

/// Held beside the file during [`SettingsFile::update`]: the app and the CLI (or two app
/// windows) changing different settings at once must not lose each other's change.
const LOCK_NAME: &str = ".settings.lock";

/// The UI language. `System` follows the operating system's locale on every start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Language {
    #[default]
    #[serde(rename = "system")]
    System,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

/// The colour theme. `System` follows the desktop's light/dark preference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// How a push compresses layers (`strata push --compression`); see
/// [`transfer::compress`](crate::transfer::compress).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PushCompression {
    /// gzip what is stored uncompressed, send the rest as it is (docker, skopeo).
    #[default]
    Auto,
    Gzip,
    Zstd,
    /// Every layer as it is stored.
    None,
}

impl PushCompression {
    /// What the transfer does, at `level` (0: the compressor's default).
    pub fn layers(self, level: i32) -> LayerCompression {
        LayerCompression {
            to: match self {
                PushCompression::Auto => None,
                PushCompression::Gzip => Some(Compression::Gzip),
                PushCompression::Zstd => Some(Compression::Zstd),
                PushCompression::None => Some(Compression::None),
            },
            level: (level != 0).then_some(level),
            // Set by the push, once it knows where the registry is.
            nearby: false,
        }
    }
}

/// The settings as the app sees them. Missing fields take their defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Settings {
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub theme: Theme,
    #[serde(default)]
    pub push_compression: PushCompression,
    /// The push compression level; 0: the compressor's default (gzip 6, zstd 3).
    #[serde(default)]
    pub push_compression_level: i32,
    /// Mirrors tried, in order, before a registry itself for pulls: `docker.io` →
    /// `["https://xxxx.mirror.aliyuncs.com"]` (the engine's `registry::mirrors`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mirrors: BTreeMap<String, Vec<String>>,
    /// The proxy every registry request goes through; `None`: the environment's
    /// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub proxy: Option<ProxySettings>,
    /// Fields written by another version of Strata: kept, never shown.
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub other: Map<String, Value>,
}

/// A proxy chosen in Settings: it wins over the environment's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProxySettings {
    /// `http://proxy.example.com:3128`, or a SOCKS5 proxy (`socks5://127.0.0.1:1080`, names
    /// resolved here; `socks5h://…`, names resolved by the proxy): used for `http` and
    /// `https` registries alike.
    pub url: String,
    /// Hosts reached directly, comma-separated as in `NO_PROXY`: `localhost,.corp,10.0.0.0/8`.
    #[serde(default)]
    pub no_proxy: String,
}

impl ProxySettings {
    /// Checks a proxy as the user typed it: an `http`, `https`, `socks5` or `socks5h` URL
    /// with a host and no password (settings are not secret; a proxy login belongs in
    /// `HTTPS_PROXY` / `ALL_PROXY`).
    pub fn new(url: &str, no_proxy: &str) -> Result<ProxySettings, String> {
        let parsed =
            url::Url::parse(url.trim()).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        match parsed.scheme() {
            "http" | "https" | "socks5" | "socks5h" => {}
            "socks4" | "socks4a" => {
                return Err(format!(
                    "`{url}`: SOCKS4 is not supported; use socks5:// or socks5h://"
                ))
            }
            other => {
                return Err(format!(
                    "`{url}`: a proxy URL starts with http://, https://, socks5:// or socks5h://, not {other}://"
                ))
            }
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(format!("`{url}` names no host"));
        }
        if parsed.password().is_some() {
            return Err(format!(
                "`{}`: a proxy password would be saved in the settings file; set HTTPS_PROXY in the environment instead",
                parsed.host_str().unwrap_or_default()
            ));
        }
        let no_proxy = no_proxy
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(",");
        Ok(ProxySettings {
            url: url.trim().to_string(),
            no_proxy,
        })
    }
}

/// Whose configuration file mirrors are imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum MirrorSource {
    /// Docker's `daemon.json` (`registry-mirrors`, Docker Hub's).
    Docker,
    /// containers-registries.conf v2 (podman, buildah, skopeo).
    Containers,
}

impl MirrorSource {
    /// `/etc/docker/daemon.json`, `/etc/containers/registries.conf`.
    pub fn default_path(self) -> PathBuf {
        PathBuf::from(match self {
            MirrorSource::Docker => "/etc/docker/daemon.json",
            MirrorSource::Containers => "/etc/containers/registries.conf",
        })
    }
}

/// What an import of mirrors did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MirrorImport {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    /// Mirrors that were not in the settings yet.
    pub added: usize,
    /// Mirror locations that cannot be used (a namespace inside a mirror).
    pub skipped: Vec<String>,
    /// Every registry's mirrors now.
    pub mirrors: BTreeMap<String, Vec<String>>,
}

/// A change to some settings; `None` leaves a field as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingsPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub language: Option<Language>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub theme: Option<Theme>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub push_compression: Option<PushCompression>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub push_compression_level: Option<i32>,
}

impl Settings {
    /// Applies a change in place.
    pub fn apply(&mut self, patch: SettingsPatch) {
        if let Some(language) = patch.language {
            self.language = language;
        }
        if let Some(theme) = patch.theme {
            self.theme = theme;
        }
        if let Some(c) = patch.push_compression {
            self.push_compression = c;
        }
        if let Some(level) = patch.push_compression_level {
            self.push_compression_level = level.clamp(0, 22);
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// Neither a store home nor a platform config directory is known.
    #[error("cannot find a configuration folder for this user")]
    NoConfigDir,
    /// Reading the file failed (other than "not there yet").
    #[error("cannot read the settings file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is there but is not a settings object.
    #[error("the settings file {} is not valid", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The file is far larger than settings can be.
    #[error("the settings file {} is larger than {limit} bytes", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    /// A value the settings refuse: a mirror that is not a registry's URL, a SOCKS proxy,
    /// an imported file that is not what it claims.
    #[error("{reason}")]
    Value { reason: String },
    /// Writing the new file failed; the old one is untouched.
    #[error("cannot save the settings file {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Explain for SettingsError {
    fn code(&self) -> Code {
        match self {
            SettingsError::NoConfigDir => Code::SettingsNoConfigDir,
            SettingsError::Read { .. } => Code::SettingsRead,
            SettingsError::Invalid { .. } | SettingsError::TooLarge { .. } => Code::SettingsInvalid,
            SettingsError::Write { .. } => Code::SettingsWrite,
            SettingsError::Value { .. } => Code::SettingsValue,
        }
    }

    fn hint(&self) -> Option<Hint> {
        Some(match self {
            SettingsError::Value { .. } => return None,
            SettingsError::NoConfigDir => HintKey::HomeSetEnv.into(),
            SettingsError::Read { .. } | SettingsError::Write { .. } => {
                HintKey::SettingsCheckFolder.into()
            }
            SettingsError::Invalid { path, .. } | SettingsError::TooLarge { path, .. } => {
                HintKey::SettingsFixOrDelete.with("path", path.display())
            }
        })
    }
}

/// The settings file at one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsFile {
    path: PathBuf,
}

/// A file read whole, at most [`MAX_BYTES`] of it: a settings file, or a daemon.json or
/// registries.conf to take mirrors from. One byte past the cap is read, so that a huge file
/// (or `/dev/zero`) is refused, not loaded.
fn read_capped(path: &Path) -> Result<Vec<u8>, SettingsError> {
    let read_err = |source| SettingsError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(SettingsError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_BYTES,
        });
    }
    Ok(bytes)
}

impl SettingsFile {
    /// The settings file at an explicit path.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The settings file that belongs with a store home (see the module docs for the rule).
    pub fn for_home(home: &Home) -> Result<Self, SettingsError> {
        match home.source {
            HomeSource::Flag | HomeSource::Env => Ok(Self::at(home.path.join(FILE_NAME))),
            HomeSource::Platform => {
                let dirs = directories::ProjectDirs::from("dev", "strata", "strata")
                    .ok_or(SettingsError::NoConfigDir)?;
                Ok(Self::at(dirs.config_dir().join(FILE_NAME)))
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The settings that belong with `home`, for work that follows a setting (a push's
    /// compression): a missing or unreadable file means the defaults, since the app reports
    /// a bad file where it is edited and a push should not fail over a language field.
    pub fn current(home: &Home) -> Settings {
        Self::for_home(home)
            .and_then(|f| f.load())
            .unwrap_or_default()
    }

    /// Reads the settings; a file that does not exist yet means the defaults.
    pub fn load(&self) -> Result<Settings, SettingsError> {
        let bytes = match read_capped(&self.path) {
            Err(SettingsError::Read { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                return Ok(Settings::default())
            }
            other => other?,
        };
        serde_json::from_slice(&bytes).map_err(|source| SettingsError::Invalid {
            path: self.path.clone(),
            source,
        })
    }

    /// Reads, changes and saves the settings; returns what is now on disk.
    pub fn update(&self, patch: SettingsPatch) -> Result<Settings, SettingsError> {
        self.edit(|s| {
            s.apply(patch);
            Ok(())
        })
        .map(|(s, ())| s)
    }

    /// Reads, changes with `change` and saves the settings under the lock; returns what is
    /// now on disk and what `change` returned. `change` refusing (with its reason) leaves
    /// the file as it was.
    fn edit<T>(
        &self,
        change: impl FnOnce(&mut Settings) -> Result<T, String>,
    ) -> Result<(Settings, T), SettingsError> {
        let _lock = crate::atomic_file::lock_beside(&self.path, LOCK_NAME).map_err(|source| {
            SettingsError::Write {
                path: self.path.clone(),
                source,
            }
        })?;
        let mut settings = self.load()?;
        let out = change(&mut settings).map_err(|reason| SettingsError::Value { reason })?;
        self.save(&settings)?;
        Ok((settings, out))
    }

    /// Adds a mirror for `registry` (after those it has); returns whether it was new.
    pub fn add_mirror(&self, registry: &str, url: &str) -> Result<(Settings, bool), SettingsError> {
        self.edit(|s| mirrors::add(&mut s.mirrors, registry, url))
    }

    /// Removes one mirror of `registry`, or all of them; returns how many went.
    pub fn remove_mirror(
        &self,
        registry: &str,
        url: Option<&str>,
    ) -> Result<(Settings, usize), SettingsError> {
        self.edit(|s| Ok(mirrors::remove(&mut s.mirrors, registry, url)))
    }

    /// Adds the mirrors another tool's file configures (see [`MirrorSource`]).
    pub fn import_mirrors(
        &self,
        source: MirrorSource,
        path: Option<&Path>,
    ) -> Result<MirrorImport, SettingsError> {
        let path = path
            .map(Path::to_path_buf)
            .unwrap_or_else(|| source.default_path());
        let bytes = read_capped(&path)?;
        let text = String::from_utf8(bytes).map_err(|_| SettingsError::Value {
            reason: format!("{} is not UTF-8 text", path.display()),
        })?;
        let (found, skipped) = match source {
            MirrorSource::Docker => (mirrors::from_docker_daemon_json(&text), Vec::new()),
            MirrorSource::Containers => match mirrors::from_registries_conf(&text) {
                Ok((m, s)) => (Ok(m), s),
                Err(e) => (Err(e), Vec::new()),
            },
        };
        let found = found.map_err(|reason| SettingsError::Value {
            reason: format!("{}: {reason}", path.display()),
        })?;
        let (settings, added) = self.edit(|s| Ok(mirrors::merge(&mut s.mirrors, &found)))?;
        Ok(MirrorImport {
            path,
            added,
            skipped,
            mirrors: settings.mirrors,
        })
    }

    /// Sets the proxy (checked with [`ProxySettings::new`]) or, with `None`, goes back to
    /// the environment's.
    pub fn set_proxy(&self, proxy: Option<(&str, &str)>) -> Result<Settings, SettingsError> {
        let proxy = proxy
            .map(|(url, no)| ProxySettings::new(url, no))
            .transpose()
            .map_err(|reason| SettingsError::Value { reason })?;
        self.edit(|s| {
            s.proxy = proxy;
            Ok(())
        })
        .map(|(s, ())| s)
    }

    /// Writes the whole file atomically, creating its folder when needed.
    pub fn save(&self, settings: &Settings) -> Result<(), SettingsError> {
        crate::atomic_file::write_json(&self.path, settings).map_err(|source| {
            SettingsError::Write {
                path: self.path.clone(),
                source,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_in(dir: &tempfile::TempDir) -> SettingsFile {
        SettingsFile::at(dir.path().join("nested").join(FILE_NAME))
    }

    #[test]
    fn concurrent_updates_of_different_settings_both_survive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        // Two writers, as the app and the CLI would be, each flipping its own setting and
        // ending on a known value: with a lost update one of the final values is missing.
        let language = {
            let file = SettingsFile::at(&path);
            std::thread::spawn(move || {
                for i in 0..200 {
                    let language = [Language::En, Language::System][i % 2];
                    file.update(SettingsPatch {
                        language: Some(language),
                        theme: None,
                        ..Default::default()
                    })
                    .unwrap();
                }
                file.update(SettingsPatch {
                    language: Some(Language::ZhCn),
                    theme: None,
                    ..Default::default()
                })
                .unwrap();
            })
        };
        let file = SettingsFile::at(&path);
        for i in 0..200 {
            let theme = [Theme::Light, Theme::System][i % 2];
            file.update(SettingsPatch {
                language: None,
                theme: Some(theme),
                ..Default::default()
            })
            .unwrap();
        }
        file.update(SettingsPatch {
            language: None,
            theme: Some(Theme::Dark),
            ..Default::default()
        })
        .unwrap();
        language.join().unwrap();
        let settings = file.load().unwrap();
        assert_eq!(
            (settings.language, settings.theme),
            (Language::ZhCn, Theme::Dark)
        );
    }

    #[test]
    fn first_start_has_defaults_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_in(&dir);
        let settings = file.load().unwrap();
        assert_eq!(settings.language, Language::System);
        assert_eq!(settings.theme, Theme::System);
        assert!(!file.path().exists());
    }

    #[test]
    fn a_change_survives_a_reload_and_leaves_other_fields_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_in(&dir);
        let saved = file
            .update(SettingsPatch {
                language: Some(Language::ZhCn),
                theme: None,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(saved.language, Language::ZhCn);
        let again = SettingsFile::at(file.path()).load().unwrap();
        assert_eq!(again.language, Language::ZhCn);
        assert_eq!(again.theme, Theme::System);
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(text.contains(r#""language": "zh-CN""#), "{text}");
    }

    #[test]
    fn fields_from_another_version_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_in(&dir);
        std::fs::create_dir_all(file.path().parent().unwrap()).unwrap();
        std::fs::write(
            file.path(),
            r#"{"language":"en","sidebar":{"width":240},"future":true}"#,
        )
        .unwrap();
        file.update(SettingsPatch {
            language: None,
            theme: Some(Theme::Dark),
            ..Default::default()
        })
        .unwrap();
        let json: Value = serde_json::from_slice(&std::fs::read(file.path()).unwrap()).unwrap();
        assert_eq!(json["language"], "en");
        assert_eq!(json["theme"], "dark");
        assert_eq!(json["sidebar"]["width"], 240);
        assert_eq!(json["future"], true);
    }

    #[test]
    fn a_broken_file_is_reported_with_its_path_and_a_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_in(&dir);
        std::fs::create_dir_all(file.path().parent().unwrap()).unwrap();
        std::fs::write(file.path(), b"{ not json").unwrap();
        let problem = file.load().unwrap_err().problem();
        assert_eq!(problem.code, "settings.invalid");
        assert!(
            problem.message.contains("settings.json"),
            "{}",
            problem.message
        );
        let hint = problem.hint.unwrap();
        assert!(hint.is(&HintKey::SettingsFixOrDelete));
        assert!(hint.get("path").unwrap().ends_with("settings.json"));
        // An unknown language is as invalid as broken JSON: we never guess.
        std::fs::write(file.path(), br#"{"language":"fr"}"#).unwrap();
        assert_eq!(file.load().unwrap_err().problem().code, "settings.invalid");
    }

    #[test]
    fn saving_leaves_no_temporary_files_behind() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_in(&dir);
        for language in [Language::En, Language::ZhCn, Language::System] {
            file.update(SettingsPatch {
                language: Some(language),
                theme: None,
                ..Default::default()
            })
            .unwrap();
        }
        let names: Vec<_> = std::fs::read_dir(file.path().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            // The lock file stays on purpose: it is empty and never holds a setting.
            .filter(|name| name != LOCK_NAME)
            .collect();
        assert_eq!(names, vec![FILE_NAME.to_string()]);
    }

    #[test]
    fn an_explicit_home_keeps_its_own_settings() {
        let home = Home {
            path: PathBuf::from("/srv/strata"),
            source: HomeSource::Env,
        };
        let file = SettingsFile::for_home(&home).unwrap();
        assert_eq!(file.path(), Path::new("/srv/strata/settings.json"));
        let platform = Home {
            path: PathBuf::from("/home/x/.local/share/strata"),
            source: HomeSource::Platform,
        };
        let file = SettingsFile::for_home(&platform).unwrap();
        assert!(file.path().ends_with("strata/settings.json"));
        assert_ne!(
            file.path(),
            Path::new("/home/x/.local/share/strata/settings.json")
        );
    }

    #[test]
    fn wire_names_are_the_ones_the_ui_uses() {
        let s = Settings {
            language: Language::ZhCn,
            theme: Theme::Light,
            push_compression: PushCompression::Zstd,
            push_compression_level: 9,
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"language": "zh-CN", "theme": "light",
                "push_compression": "zstd", "push_compression_level": 9})
        );
        let patch: SettingsPatch = serde_json::from_str(r#"{"language":"system"}"#).unwrap();
        assert_eq!(patch.language, Some(Language::System));
        assert_eq!(patch.theme, None);
    }

    #[test]
    fn mirrors_and_proxy_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_in(&dir);
        file.edit(|s| {
            s.mirrors.insert(
                "docker.io".into(),
                vec!["https://abc.mirror.aliyuncs.com".into()],
            );
            s.proxy = Some(ProxySettings::new("http://proxy:3128", " a, ,b ").unwrap());
            Ok(())
        })
        .unwrap();
        let again = file.load().unwrap();
        assert_eq!(
            again.mirrors["docker.io"],
            ["https://abc.mirror.aliyuncs.com"]
        );
        assert_eq!(again.proxy.unwrap().no_proxy, "a,b");
    }

    /// `strata mirrors import --from … PATH` reads the file named: one without an end
    /// (`/dev/zero`) or past 1 MiB is refused, not loaded, and nothing is added.
    #[test]
    fn mirrors_are_taken_from_a_file_of_at_most_one_mebibyte() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_in(&dir);
        let conf = dir.path().join("daemon.json");
        std::fs::write(
            &conf,
            r#"{"registry-mirrors": ["https://abc.mirror.aliyuncs.com"]}"#,
        )
        .unwrap();
        let done = file
            .import_mirrors(MirrorSource::Docker, Some(&conf))
            .unwrap();
        assert_eq!(done.added, 1);
        for endless in [Path::new("/dev/zero"), &dir.path().join("big.json")] {
            if endless.starts_with(dir.path()) {
                std::fs::write(endless, vec![b' '; (MAX_BYTES + 1) as usize]).unwrap();
            }
            let err = file
                .import_mirrors(MirrorSource::Docker, Some(endless))
                .unwrap_err();
            assert!(matches!(err, SettingsError::TooLarge { .. }), "{err}");
        }
        assert_eq!(file.load().unwrap().mirrors["docker.io"].len(), 1);
    }

    #[test]
    fn a_proxy_must_be_http_or_socks5_without_a_password() {
        for (url, ok) in [
            ("http://127.0.0.1:3128", true),
            ("https://proxy.corp", true),
            ("socks5://127.0.0.1:1080", true),
            ("socks5h://proxy.corp:1080", true),
            ("socks5://ann:secret@127.0.0.1:1080", false),
            ("socks4://127.0.0.1:1080", false),
            ("http://ann:secret@proxy:3128", false),
            ("proxy:3128", false),
            ("ftp://x", false),
        ] {
            assert_eq!(ProxySettings::new(url, "").is_ok(), ok, "{url}");
        }
    }
}
