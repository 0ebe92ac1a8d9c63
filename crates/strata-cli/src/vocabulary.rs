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
        /// `strata analyze --fail-below` found the image less efficient than asked.
        Efficiency = "cli.efficiency",
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

    #[test]
    fn the_command_line_makes_problems_only_from_its_own_codes() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let named = strata_core::problem::engine_codes_named_in(&src).unwrap();
        assert!(named.is_empty(), "{}", named.join("\n"));
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
