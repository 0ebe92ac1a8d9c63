//! The command line's own problem codes and hints, in the `cli` namespace: failures of the
//! command line itself (its flags, stdin, stdout), never of the engine, whose codes come
//! with its errors.

strata_core::vocabulary! {
    code
    /// A failure only the command line has.
    pub enum CliCode {
        /// `strata cp` with no container side.
        Cp = "cli.cp",
        Compression = "cli.compression",
        Consent = "cli.consent",
        Creds = "cli.creds",
        Format = "cli.format",
        /// `strata fsck` found problems.
        Fsck = "cli.fsck",
        Io = "cli.io",
        Json = "cli.json",
        Namespace = "cli.namespace",
        NoTerminal = "cli.no_terminal",
        Repository = "cli.repository",
        /// `strata rmi` could not remove some of the images.
        Rmi = "cli.rmi",
        Runtime = "cli.runtime",
        Stdin = "cli.stdin",
        Username = "cli.username",
    }
}

strata_core::vocabulary! {
    hint
    /// Advice only the command line gives, about its own flags.
    pub enum CliHint {
        AddUser = "cli.add_user",
        AnswerOrYes = "cli.answer_or_yes",
        CompressionNames = "cli.compression_names",
        CpExample = "cli.cp_example",
        CredsExample = "cli.creds_example",
        FsckRepair = "cli.fsck_repair",
        NamespaceOnce = "cli.namespace_once",
        NoTty = "cli.no_tty",
        PushRemoteName = "cli.push_remote_name",
        SecurityOpt = "cli.security_opt",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `.rs` file under `dir`.
    fn sources(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(sources(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
        out
    }

    #[test]
    fn the_command_line_makes_problems_only_from_its_own_codes() {
        // An engine code comes with the engine's error (`e.problem()`), never from the shell
        // naming one; listing the engine's codes (`Code::ALL`) is what the tests here do.
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for file in sources(&src) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let bare = line.match_indices("Code::").any(|(i, _)| {
                    !line[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '"')
                        && !line[i..].starts_with("Code::ALL")
                });
                assert!(!bare, "{}:{}: {line}", file.display(), n + 1);
            }
        }
    }

    #[test]
    fn the_command_line_stays_in_its_own_namespace() {
        for code in CliCode::ALL {
            assert!(code.as_str().starts_with("cli."), "{code}");
        }
        for hint in CliHint::ALL {
            assert!(hint.as_str().starts_with("cli."), "{hint}");
        }
    }
}
