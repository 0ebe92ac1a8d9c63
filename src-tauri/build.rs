//! Generates Tauri's context (config, capabilities, the app's command permissions) and, in
//! a custom-protocol build, checks that the UI it is about to embed has been built.

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
    // capabilities/main.json must grant: nothing is callable from the UI by default.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "get_settings",
        "set_settings",
        "ui_ready",
        "images_overview",
        "inspect_image",
        "image_history",
        "image_layers",
        "image_files",
        "check_reference",
        "tag_image",
        "remove_image",
        "prune_images",
        "import_image",
        "export_image",
        "choose_import_path",
        "choose_export_path",
        "watch_drops",
        "watch_tasks",
        "cancel_task",
        "clear_finished_tasks",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed");
}
