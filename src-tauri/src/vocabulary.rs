//! The app's own problem codes and hints, for what only the desktop shell does: host paths
//! handed to the webview (`path.*`) and the terminal and IPC plumbing (`app.*`). Every
//! other problem is the engine's, with the engine's code. These namespaces are the shell's
//! alone (a test below holds them apart from the engine's), and the UI words each key in
//! ui/src/lib/i18n/problems.ts, typed by the list generated from here and the engine's.

strata_core::vocabulary! {
    code
    /// A failure only the desktop shell has.
    pub enum AppCode {
        /// Blocking work that panicked or could not be joined.
        Internal = "app.internal",
        /// The image has no `/bin/sh` for the terminal.
        NoShell = "app.no_shell",
        /// The terminal's pseudo-terminal failed.
        Terminal = "app.terminal",
        /// A terminal that has ended was written to.
        TerminalClosed = "app.terminal_closed",
        /// A typed path that is empty.
        PathEmpty = "path.empty",
        PathNotAbsolute = "path.not_absolute",
        /// A typed path with nothing there on this computer.
        PathNotFound = "path.not_found",
        /// A command that takes chosen files only was given a typed path.
        PathTypingRefused = "path.typing_refused",
        /// A token the shell never handed out.
        PathUnknownToken = "path.unknown_token",
        /// A file chosen for one purpose offered to another command.
        PathWrongPurpose = "path.wrong_purpose",
    }
}

strata_core::vocabulary! {
    hint
    /// Advice only the desktop shell gives.
    pub enum AppHint {
        OpenTerminalAgain = "app.open_terminal_again",
        UseImageWithShell = "app.use_image_with_shell",
        /// Check a typed import path: what an archive looks like.
        PathCheckArchive = "path.check_archive",
        PathCheckOrBrowse = "path.check_or_browse",
        PathChooseAgain = "path.choose_again",
        PathChooseInDialog = "path.choose_in_dialog",
        PathChooseOrDrop = "path.choose_or_drop",
        PathTypeFullPath = "path.type_full_path",
        PathTypeOrBrowse = "path.type_or_browse",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use strata_core::problem::{Code, HintKey};

    #[test]
    fn the_app_makes_problems_only_from_its_own_codes() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let named = strata_core::problem::engine_codes_named_in(&src).unwrap();
        assert!(named.is_empty(), "{}", named.join("\n"));
    }

    fn namespace(key: &str) -> &str {
        key.split('.').next().unwrap_or_default()
    }

    #[test]
    fn the_app_never_speaks_in_an_engine_namespace() {
        let engine: BTreeSet<&str> = Code::ALL
            .iter()
            .map(|c| c.as_str())
            .chain(HintKey::ALL.iter().map(|k| k.as_str()))
            .map(namespace)
            .collect();
        let app = AppCode::ALL
            .iter()
            .map(|c| c.as_str())
            .chain(AppHint::ALL.iter().map(|k| k.as_str()));
        for key in app {
            assert!(
                !engine.contains(namespace(key)),
                "{key} is in the engine's namespace {}",
                namespace(key)
            );
        }
    }
}
