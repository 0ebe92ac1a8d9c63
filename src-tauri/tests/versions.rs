//! `tauri build` refuses to bundle when Tauri's Rust crate and its npm packages differ in
//! major.minor. This test reads what is actually locked on both sides,
//! Cargo.lock and ui/package-lock.json, and fails with both versions when they drift.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The version of `name` in Cargo.lock (a `[[package]]` with `name = "…"` then `version`).
fn cargo_locked(name: &str) -> Option<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).expect("read Cargo.lock");
    let want = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == want {
            let version = lines.next()?.strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_string());
        }
    }
    None
}

/// The version npm installs for `name` (lockfile v2/v3: `packages["node_modules/<name>"]`).
fn npm_locked(name: &str) -> Option<String> {
    let text = std::fs::read_to_string(root().join("ui/package-lock.json"))
        .expect("read ui/package-lock.json");
    let lock: serde_json::Value = serde_json::from_str(&text).expect("parse package-lock.json");
    let version = &lock["packages"][format!("node_modules/{name}")]["version"];
    version.as_str().map(str::to_string)
}

fn major_minor(version: &str) -> String {
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

#[test]
fn tauri_crates_and_npm_packages_agree_on_major_minor() {
    let rust = cargo_locked("tauri").expect("tauri is not in Cargo.lock");
    for package in ["@tauri-apps/api", "@tauri-apps/cli"] {
        let npm = npm_locked(package)
            .unwrap_or_else(|| panic!("{package} is not in ui/package-lock.json"));
        assert_eq!(
            major_minor(&npm),
            major_minor(&rust),
            "{package} {npm} (ui/package-lock.json) and the tauri crate {rust} (Cargo.lock) \
             must share major.minor; change ui/package.json or the workspace Cargo.toml so \
             they match, then `npm install` / `cargo update -p tauri`"
        );
    }
}

#[test]
fn major_minor_ignores_the_patch_level() {
    assert_eq!(major_minor("2.12.5"), "2.12");
    assert_eq!(major_minor("2.12.0-beta.1"), "2.12");
    assert_ne!(major_minor("2.11.9"), major_minor("2.12.0"));
}

/// `[workspace.package] version` in the workspace Cargo.toml: the one place it is written.
fn workspace_version() -> String {
    let text = std::fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    let package = text
        .split("[workspace.package]")
        .nth(1)
        .expect("Cargo.toml has [workspace.package]");
    let line = package
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .expect("[workspace.package] has a version");
    line.trim_end_matches('"').to_string()
}

/// The .deb (Tauri's bundler), the About box (`app_info`, which is `strata_core::VERSION`)
/// and `strata --version` (clap's `version = strata_core::VERSION`) all show the workspace's
/// version: tauri.conf.json must not carry a literal of its own, which Tauri would prefer.
/// tests/dist/installed.test.mjs checks the installed app's About box against the installed
/// `strata --version`.
#[test]
fn the_package_the_about_box_and_the_cli_share_the_workspace_version() {
    let version = workspace_version();
    let conf = std::fs::read_to_string(root().join("src-tauri/tauri.conf.json"))
        .expect("read tauri.conf.json");
    let conf: serde_json::Value = serde_json::from_str(&conf).expect("parse tauri.conf.json");
    assert!(
        conf.get("version").is_none(),
        "src-tauri/tauri.conf.json has \"version\": {}; remove it, the bundle takes the \
         workspace's {version} from Cargo.toml",
        conf["version"]
    );
    assert_eq!(env!("CARGO_PKG_VERSION"), version, "strata-app's version");
    assert_eq!(
        strata_core::VERSION,
        version,
        "the About box's (app_info) version"
    );
}
