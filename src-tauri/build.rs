//! Generates Tauri's context (config, capabilities, the app's command permissions) and, in
//! a custom-protocol build, checks that the UI it is about to embed has been built. The
//! command list is read from `generate_handler![…]` in `src/main.rs`, the one place it is
//! written.

fn main() {
    if std::env::var_os("CARGO_FEATURE_CUSTOM_PROTOCOL").is_some() {
        let index = std::path::Path::new("../ui/dist/index.html");
        println!("cargo:rerun-if-changed=../ui/dist");
        if !index.exists() {
            // generate_context! would fail with a less helpful message further on.
            panic!(
                "ui/dist/index.html is missing: build the UI first with `make ui-build` \
                 (or `npm --prefix ui ci && npm --prefix ui run build`), or build with \
                 --no-default-features to load the Vite dev server instead"
            );
        }
    }
    // Listing the commands makes each one a permission (`allow-<name>`) that
    // capabilities/main.json must grant: nothing is callable from the UI by default. The
    // list is the one main.rs registers, read from there (tests/commands.rs checks the
    // grants, the permission files and the UI's wrappers against it).
    println!("cargo:rerun-if-changed=src/main.rs");
    // tauri-build keeps the list for the whole build: a build script may leak it.
    let commands: Vec<&'static str> = registered_commands()
        .into_iter()
        .map(|name| &*Box::leak(name.into_boxed_str()))
        .collect();
    let manifest = tauri_build::AppManifest::new().commands(Vec::leak(commands));
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed");
}

/// The command names inside `generate_handler![…]` in `src/main.rs`: `commands::app::app_info,`
/// gives `app_info`.
fn registered_commands() -> Vec<String> {
    let main = std::fs::read_to_string("src/main.rs").expect("read src/main.rs");
    let start = main
        .find("generate_handler![")
        .expect("src/main.rs has no generate_handler![…]")
        + "generate_handler![".len();
    let len = main[start..]
        .find(']')
        .expect("generate_handler![ is not closed in src/main.rs");
    let names: Vec<String> = main[start..start + len]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.rsplit("::").next().unwrap_or(s).to_string())
        .collect();
    assert!(
        !names.is_empty(),
        "no commands found in generate_handler![…] in src/main.rs"
    );
    names
}
