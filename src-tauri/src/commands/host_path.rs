//! Host paths and the trust boundary (DESIGN.md, "The trust boundary": the webview is less
//! trusted than the engine, and host paths it did not get from a native dialog or the
//! person's typing are refused).
//!
//! A path the person chose in a native dialog, or dropped on the window, never goes to the
//! webview: the shell keeps it in [`HostPaths`] under a random 128-bit token and hands the UI
//! a [`PickedPath`]: the token plus a file name and a path to *show*. A command that uses the
//! path takes the token back ([`HostPath::Chosen`]); the display strings are never accepted
//! as a path. Each token records what it was chosen for ([`Purpose`]): a file chosen to open
//! cannot be written to, and a file chosen in the save dialog cannot be read.
//!
//! Where a screen has a text field for a path, the person may type one instead; it arrives
//! as [`HostPath::Typed`], and only the commands whose screen offers typing accept it
//! ([`Accepts::typed`]). A typed path must be absolute (the app's working directory means
//! nothing to a person).
//!
//! | command | screen | accepts |
//! |---|---|---|
//! | `import_image` | Import dialog (path field, Browse…), a file or folder dropped on the window | [`IMPORT_SOURCE`]: chosen for opening (file or folder), or typed |
//! | `export_image` | Export dialog (path field, Choose…) | [`EXPORT_TARGET`]: chosen in the save dialog, or typed |
//! | `export_sbom` | Packages tab (Export SBOM…, the save dialog) | [`SBOM_TARGET`]: chosen in the save dialog only |
//! | `upload_files` | Upload dialog (paths, one per line; Browse…), files dropped on a container's Files tab | [`UPLOAD_SOURCE`]: chosen for opening (file or folder), or typed |
//! | `add_registry` | Add registry (extra CA field, Browse…) | [`REGISTRY_CA`]: a file chosen for opening, or typed |
//!
//! Every screen but the Packages tab has a field to type a path in; [`Accepts`] says so
//! per command, so a command that offers only a dialog refuses typed paths.
//!
//! Export and replacing a file: the native save dialog asks "Replace?" itself before it
//! returns an existing file (GTK's overwrite confirmation, which rfd turns on; the macOS and
//! Windows save panels do by default). A save token therefore records whether its file
//! existed when it was chosen ([`Resolved::replace_confirmed`]): that answer counts as the
//! person's yes to replacing *that* file. Anything else (a typed path, or a file that
//! appeared after the dialog) is replaced only with the command's explicit `overwrite`.
//!
//! Tokens live as long as the app, are not single-use (a dialog may be submitted again after
//! an error), and at most [`MAX_TOKENS`] are kept, the oldest forgotten first.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::vocabulary::{AppCode, AppHint};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use strata_core::problem::Problem;

/// How many chosen paths are remembered (drops make one per file).
pub const MAX_TOKENS: usize = 1024;

/// What a path was chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A file to read: the open dialog, or a file dropped on the window.
    OpenFile,
    /// A folder to read: a folder dropped on the window (or a folder dialog).
    OpenFolder,
    /// A file to write: the save dialog.
    SaveFile,
}

impl Purpose {
    fn words(self) -> &'static str {
        match self {
            Purpose::OpenFile => "a file to open",
            Purpose::OpenFolder => "a folder to open",
            Purpose::SaveFile => "a file to save to",
        }
    }
}

/// A host path as the UI passes it to a command.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostPath {
    /// Chosen in a native dialog or dropped on the window: the token that stands for it
    /// (`PickedPath.token`).
    Chosen { token: String },
    /// Typed (or pasted) by the person into a path field.
    Typed { path: String },
}

/// What a dialog or a drop gives the UI: a token for the commands, and text to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PickedPath {
    /// Opaque; pass it back as `{ kind: "chosen", token }`.
    pub token: String,
    /// The file or folder name, for display.
    pub name: String,
    /// The whole path, for display only: no command takes it back as a path.
    pub display: String,
}

/// Which host paths a command takes.
#[derive(Debug, Clone, Copy)]
pub struct Accepts {
    /// What a chosen path must have been chosen for.
    pub purposes: &'static [Purpose],
    /// Whether the command's screen has a field to type a path in.
    pub typed: bool,
    /// What the path is for, in a sentence's words ("the archive to import").
    pub what: &'static str,
}

/// `import_image`: an archive or an OCI layout folder, chosen, dropped or typed.
pub const IMPORT_SOURCE: Accepts = Accepts {
    purposes: &[Purpose::OpenFile, Purpose::OpenFolder],
    typed: true,
    what: "the archive to import",
};

/// `export_image`: the file to write, from the save dialog or typed.
pub const EXPORT_TARGET: Accepts = Accepts {
    purposes: &[Purpose::SaveFile],
    typed: true,
    what: "the file to export to",
};

/// `export_sbom`: the file to write, from the save dialog only (the Packages tab has no
/// path field).
pub const SBOM_TARGET: Accepts = Accepts {
    purposes: &[Purpose::SaveFile],
    typed: false,
    what: "the file to write the SBOM to",
};

/// `upload_files`: files or folders to copy into a container, chosen, dropped or typed.
pub const UPLOAD_SOURCE: Accepts = Accepts {
    purposes: &[Purpose::OpenFile, Purpose::OpenFolder],
    typed: true,
    what: "a file to upload",
};

/// `add_registry`: the extra CA certificate file, chosen or typed.
pub const REGISTRY_CA: Accepts = Accepts {
    purposes: &[Purpose::OpenFile],
    typed: true,
    what: "the CA certificate file",
};

/// A host path a command may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub path: PathBuf,
    /// Chosen in the save dialog while the file existed: the dialog asked before replacing
    /// it, and the person said yes.
    pub replace_confirmed: bool,
}

struct Entry {
    path: PathBuf,
    purpose: Purpose,
    replace_confirmed: bool,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Tokens, oldest first.
    order: VecDeque<String>,
}

/// The paths chosen in native dialogs or dropped on the window, by token (managed state).
#[derive(Default)]
pub struct HostPaths(Mutex<Inner>);

/// The native open dialog for one file with `extensions`; the chosen path stays here and
/// the UI gets a token for opening it and its name. `None` when cancelled.
pub fn pick_file_to_open(
    app: &tauri::AppHandle,
    paths: &HostPaths,
    title: String,
    filter_name: String,
    extensions: &[&str],
) -> Option<PickedPath> {
    use tauri_plugin_dialog::DialogExt;
    app.dialog()
        .file()
        .set_title(title)
        .add_filter(filter_name, extensions)
        .blocking_pick_file()
        .and_then(|p| p.into_path().ok())
        .map(|p| paths.register(p, Purpose::OpenFile))
}

impl HostPaths {
    /// Remembers a path the person chose (or dropped) for `purpose`; returns what the UI
    /// may see of it.
    pub fn register(&self, path: PathBuf, purpose: Purpose) -> PickedPath {
        let token = new_token();
        let picked = PickedPath {
            token: token.clone(),
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
            display: path.display().to_string(),
        };
        // The save dialog asked before it returned a file that exists.
        let replace_confirmed =
            purpose == Purpose::SaveFile && std::fs::symlink_metadata(&path).is_ok();
        let mut inner = self.lock();
        while inner.order.len() >= MAX_TOKENS {
            if let Some(old) = inner.order.pop_front() {
                inner.entries.remove(&old);
            }
        }
        inner.order.push_back(token.clone());
        inner.entries.insert(
            token,
            Entry {
                path,
                purpose,
                replace_confirmed,
            },
        );
        picked
    }

    /// The path `given` stands for, if the command (`accepts`) takes it.
    pub fn resolve(&self, given: &HostPath, accepts: &Accepts) -> Result<Resolved, Problem> {
        match given {
            HostPath::Typed { path } => typed(path, accepts),
            HostPath::Chosen { token } => {
                let inner = self.lock();
                let entry = inner.entries.get(token).ok_or_else(|| {
                    Problem::new(
                        AppCode::PathUnknownToken,
                        format!("{} is not a file this app was given", accepts.what),
                    )
                    .with_hint(AppHint::PathChooseAgain)
                })?;
                if !accepts.purposes.contains(&entry.purpose) {
                    let wanted: Vec<&str> = accepts.purposes.iter().map(|p| p.words()).collect();
                    return Err(Problem::new(
                        AppCode::PathWrongPurpose,
                        format!(
                            "{} was chosen as {}, but {} must be {}",
                            entry.path.display(),
                            entry.purpose.words(),
                            accepts.what,
                            wanted.join(" or "),
                        ),
                    )
                    .with_hint(AppHint::PathChooseInDialog));
                }
                Ok(Resolved {
                    path: entry.path.clone(),
                    replace_confirmed: entry.replace_confirmed,
                })
            }
        }
    }

    /// Resolves each of `given`; the first refusal refuses them all.
    pub fn resolve_all(
        &self,
        given: &[HostPath],
        accepts: &Accepts,
    ) -> Result<Vec<PathBuf>, Problem> {
        given
            .iter()
            .map(|g| self.resolve(g, accepts).map(|r| r.path))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves a consistent map: go on.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn typed(path: &str, accepts: &Accepts) -> Result<Resolved, Problem> {
    if !accepts.typed {
        return Err(Problem::new(
            AppCode::PathTypingRefused,
            format!("{} cannot be typed here", accepts.what),
        )
        .with_hint(AppHint::PathChooseOrDrop));
    }
    let path = path.trim();
    if path.is_empty() {
        return Err(Problem::new(
            AppCode::PathEmpty,
            format!("no path was given for {}", accepts.what),
        )
        .with_hint(AppHint::PathTypeOrBrowse));
    }
    if !Path::new(path).is_absolute() {
        return Err(Problem::new(
            AppCode::PathNotAbsolute,
            format!("{path} is not a full path ({})", accepts.what),
        )
        .with_hint(AppHint::PathTypeFullPath));
    }
    Ok(Resolved {
        path: PathBuf::from(path),
        replace_confirmed: false,
    })
}

/// 128 random bits from the operating system, as 32 hex digits.
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(picked: &PickedPath) -> HostPath {
        HostPath::Chosen {
            token: picked.token.clone(),
        }
    }

    #[test]
    fn a_token_is_random_and_stands_for_its_path_which_the_ui_only_sees_as_text() {
        let paths = HostPaths::default();
        let a = paths.register("/data/in/app.tar".into(), Purpose::OpenFile);
        let b = paths.register("/data/in/app.tar".into(), Purpose::OpenFile);
        assert_eq!(a.token.len(), 32);
        assert!(a.token.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.token, b.token);
        assert_eq!(a.name, "app.tar");
        assert_eq!(a.display, "/data/in/app.tar");
        let got = paths.resolve(&chosen(&a), &IMPORT_SOURCE).unwrap();
        assert_eq!(got.path, PathBuf::from("/data/in/app.tar"));
        assert!(!got.replace_confirmed);
    }

    #[test]
    fn an_unknown_token_is_refused() {
        let paths = HostPaths::default();
        paths.register("/data/in/app.tar".into(), Purpose::OpenFile);
        for token in ["", "0123456789abcdef0123456789abcdef", "/data/in/app.tar"] {
            let given = HostPath::Chosen {
                token: token.into(),
            };
            let err = paths.resolve(&given, &IMPORT_SOURCE).unwrap_err();
            assert_eq!(err.code, "path.unknown_token", "{token:?}");
        }
    }

    #[test]
    fn a_token_chosen_for_opening_cannot_be_written_and_one_for_saving_cannot_be_read() {
        let paths = HostPaths::default();
        let open = paths.register("/etc/passwd".into(), Purpose::OpenFile);
        let err = paths.resolve(&chosen(&open), &EXPORT_TARGET).unwrap_err();
        assert_eq!(err.code, "path.wrong_purpose");
        assert!(err.message.contains("a file to open"), "{}", err.message);
        let folder = paths.register("/srv".into(), Purpose::OpenFolder);
        let err = paths.resolve(&chosen(&folder), &EXPORT_TARGET).unwrap_err();
        assert_eq!(err.code, "path.wrong_purpose");
        let err = paths.resolve(&chosen(&folder), &REGISTRY_CA).unwrap_err();
        assert_eq!(err.code, "path.wrong_purpose");

        let save = paths.register("/tmp/out.tar".into(), Purpose::SaveFile);
        for accepts in [IMPORT_SOURCE, UPLOAD_SOURCE, REGISTRY_CA] {
            let err = paths.resolve(&chosen(&save), &accepts).unwrap_err();
            assert_eq!(err.code, "path.wrong_purpose", "{}", accepts.what);
        }
        assert!(paths.resolve(&chosen(&save), &EXPORT_TARGET).is_ok());
    }

    #[test]
    fn a_typed_path_is_refused_by_a_command_that_offers_no_typing() {
        let browse_only = Accepts {
            purposes: &[Purpose::OpenFile],
            typed: false,
            what: "the file",
        };
        let paths = HostPaths::default();
        let typed = HostPath::Typed {
            path: "/data/in/app.tar".into(),
        };
        let err = paths.resolve(&typed, &browse_only).unwrap_err();
        assert_eq!(err.code, "path.typing_refused");
        // The same file, chosen, is taken.
        let picked = paths.register("/data/in/app.tar".into(), Purpose::OpenFile);
        assert!(paths.resolve(&chosen(&picked), &browse_only).is_ok());
    }

    #[test]
    fn the_commands_whose_screens_have_a_path_field_take_a_full_typed_path() {
        let paths = HostPaths::default();
        for accepts in [IMPORT_SOURCE, EXPORT_TARGET, UPLOAD_SOURCE, REGISTRY_CA] {
            let typed = |p: &str| HostPath::Typed { path: p.into() };
            let got = paths.resolve(&typed(" /data/x.tar "), &accepts).unwrap();
            assert_eq!(got.path, PathBuf::from("/data/x.tar"));
            // A typed path never carries a dialog's answer to "Replace?".
            assert!(!got.replace_confirmed);
            let err = paths.resolve(&typed("x.tar"), &accepts).unwrap_err();
            assert_eq!(err.code, "path.not_absolute", "{}", accepts.what);
            let err = paths.resolve(&typed("  "), &accepts).unwrap_err();
            assert_eq!(err.code, "path.empty", "{}", accepts.what);
        }
    }

    #[test]
    fn the_save_dialog_answer_counts_only_for_a_file_that_existed_when_chosen() {
        let dir = tempfile_dir();
        let existing = dir.join("old.tar");
        std::fs::write(&existing, b"old").unwrap();
        let paths = HostPaths::default();
        let replace = paths.register(existing.clone(), Purpose::SaveFile);
        let fresh = paths.register(dir.join("new.tar"), Purpose::SaveFile);
        let open = paths.register(existing, Purpose::OpenFile);
        let answer = |p: &PickedPath, a: &Accepts| {
            paths
                .resolve(&chosen(p), a)
                .map(|r| r.replace_confirmed)
                .unwrap()
        };
        assert!(answer(&replace, &EXPORT_TARGET));
        assert!(!answer(&fresh, &EXPORT_TARGET));
        assert!(!answer(&open, &IMPORT_SOURCE));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_oldest_tokens_are_forgotten_beyond_the_limit() {
        let paths = HostPaths::default();
        let first = paths.register("/a".into(), Purpose::OpenFile);
        let mut last = first.clone();
        for i in 0..MAX_TOKENS {
            last = paths.register(format!("/f{i}").into(), Purpose::OpenFile);
        }
        let err = paths.resolve(&chosen(&first), &IMPORT_SOURCE).unwrap_err();
        assert_eq!(err.code, "path.unknown_token");
        assert!(paths.resolve(&chosen(&last), &IMPORT_SOURCE).is_ok());
        assert_eq!(paths.lock().entries.len(), MAX_TOKENS);
    }

    #[test]
    fn a_display_string_sent_back_as_a_path_is_not_a_token() {
        let paths = HostPaths::default();
        let picked = paths.register("/data/in/app.tar".into(), Purpose::OpenFile);
        for text in [&picked.display, &picked.name] {
            let given = HostPath::Chosen {
                token: text.clone(),
            };
            let err = paths.resolve(&given, &IMPORT_SOURCE).unwrap_err();
            assert_eq!(err.code, "path.unknown_token");
        }
    }

    #[test]
    fn the_ui_shapes_deserialise_and_a_bare_string_does_not() {
        let chosen: HostPath =
            serde_json::from_value(serde_json::json!({"kind": "chosen", "token": "ab"})).unwrap();
        assert_eq!(chosen, HostPath::Chosen { token: "ab".into() });
        let typed: HostPath =
            serde_json::from_value(serde_json::json!({"kind": "typed", "path": "/x"})).unwrap();
        assert_eq!(typed, HostPath::Typed { path: "/x".into() });
        assert!(serde_json::from_value::<HostPath>(serde_json::json!("/etc/passwd")).is_err());
        assert!(serde_json::from_value::<HostPath>(
            serde_json::json!({"kind": "path", "path": "/x"})
        )
        .is_err());
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("strata-host-path-{}", new_token()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
