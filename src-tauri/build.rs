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
        "list_containers",
        "get_container",
        "create_container",
        "remove_container",
        "container_files",
        "upload_files",
        "choose_upload_paths",
        "read_text_file",
        "write_text_file",
        "delete_path",
        "rename_path",
        "chmod_path",
        "container_diff",
        "commit_preview",
        "check_change",
        "commit_container",
        "open_terminal",
        "terminal_input",
        "terminal_resize",
        "close_terminal",
        "watch_tasks",
        "cancel_task",
        "clear_finished_tasks",
        "pull_image",
        "push_image",
        "push_targets",
        "registry_presets",
        "list_registries",
        "add_registry",
        "choose_ca_file",
        "remove_registry",
        "add_repositories",
        "login_registry",
        "logout_registry",
        "list_accounts",
        "browse_registry",
        "list_tags",
        "tag_details",
        "retag_remote",
        "plan_delete_tag",
        "delete_tag",
        "push_script",
        "copy_image",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed");
}
