//! `strata help`, the README's command table and the man pages describe the same commands,
//! and `strata --version` prints the workspace's version.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn strata(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .output()
        .expect("run strata");
    assert!(
        out.status.success(),
        "strata {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The commands `strata help` lists (without `help` itself).
fn help_commands() -> BTreeSet<String> {
    let help = strata(&["help"]);
    let list = help
        .split("Commands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("strata help has a Commands: section");
    list.lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// The commands in the README's table under "Using the command line": every `name …` in
/// backticks in its right-hand column whose first word is a command word.
fn readme_commands() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("read README.md");
    let section = readme
        .split("## Using the command line")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .expect("README has ## Using the command line");
    let mut found = BTreeSet::new();
    for row in section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| area"))
    {
        let commands = row.rsplit_once(" | ").map_or(row, |(_, c)| c);
        for quoted in commands.split('`').skip(1).step_by(2) {
            let word = quoted.split_whitespace().next().unwrap_or("");
            if word.starts_with(|c: char| c.is_ascii_lowercase())
                && word.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            {
                found.insert(word.to_string());
            }
        }
    }
    found
}

#[test]
fn the_readme_table_lists_exactly_the_commands_strata_help_lists() {
    let help = help_commands();
    let readme = readme_commands();
    let missing: Vec<_> = help.difference(&readme).collect();
    let unknown: Vec<_> = readme.difference(&help).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "README.md's command table and `strata help` differ: not in the README {missing:?}, \
         not a command {unknown:?}"
    );
}

#[test]
fn version_is_the_workspace_version() {
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    let version = cargo
        .split("[workspace.package]")
        .nth(1)
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .expect("[workspace.package] version")
        .trim_end_matches('"');
    assert_eq!(strata(&["--version"]).trim(), format!("strata {version}"));
}

#[test]
fn man_pages_cover_every_command_and_carry_the_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    strata(&["manpages", dir.path().to_str().expect("utf-8 path")]);
    let top = std::fs::read_to_string(dir.path().join("strata.1")).expect("strata.1");
    assert!(
        top.contains(&format!("v{}", env!("CARGO_PKG_VERSION"))),
        "strata.1 has the version"
    );
    for command in help_commands() {
        let page = dir.path().join(format!("strata-{command}.1"));
        assert!(page.exists(), "no man page {}", page.display());
        assert!(
            top.contains(&format!("strata\\-{}(1)", command.replace('-', "\\-"))),
            "strata.1 lists {command}"
        );
    }
    assert!(
        !dir.path().join("strata-manpages.1").exists(),
        "the hidden command has no page"
    );
}
