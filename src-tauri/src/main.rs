//! # strata-app
//!
//! Strata's desktop shell (DESIGN.md, "Layout": `src-tauri/`). It owns the window, the IPC
//! commands and their permissions; every command is one call into `strata-core`, and every
//! error crosses IPC as a serialised [`strata_core::problem::Problem`] `{code, message, hint}`,
//! the hint as a key with arguments that the UI words in the person's language.
//!
//! | module | owns |
//! |---|---|
//! | [`state`] | what the commands share: the store home and the settings file |
//! | [`commands`] | the `#[tauri::command]`s, one file per area |
//! | [`startup`] | the start-up probe behind `make bench-startup` |
//! | [`rendering`] | GPU or CPU compositing, chosen before the webview starts |
//! | [`vocabulary`] | the app's own problem codes and hints (`app.*`, `path.*`) |
//!
//! In tests, `bindings` and `rules` generate what the UI reads from Rust (the IPC types and
//! the engine's input rules) and fail when the checked-in files drift.

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(test)]
mod bindings;
mod commands;
#[cfg(test)]
mod problem_codes;
mod rendering;
#[cfg(test)]
mod rules;
mod startup;
mod state;
mod vocabulary;

use tauri::Manager;

fn main() {
    // First, while the process is single-threaded and before GTK starts.
    let compositing = rendering::choose();
    let probe = startup::Probe::from_env(compositing);
    let app = tauri::Builder::default()
        .manage(state::AppState::from_env())
        .manage(probe)
        .plugin(tauri_plugin_dialog::init())
        .manage(commands::tasks::Tasks::default())
        .manage(commands::containers::ContainersState::new())
        .manage(commands::registries::RegistriesState::default())
        .manage(commands::images::ImagesState::new())
        .manage(commands::images::Drops::default())
        .manage(commands::host_path::HostPaths::default())
        .on_window_event(commands::images::on_window_event)
        .setup(|app| {
            rendering::tune_webviews(app);
            app.state::<startup::Probe>().mark("setup");
            Ok(())
        })
        .on_page_load(|webview, payload| {
            let probe = webview.state::<startup::Probe>();
            match payload.event() {
                tauri::webview::PageLoadEvent::Started => probe.mark("page_started"),
                tauri::webview::PageLoadEvent::Finished => probe.mark("page_loaded"),
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::ui_ready,
            commands::settings::get_settings,
            commands::settings::set_settings,
            commands::settings::add_mirror,
            commands::settings::remove_mirror,
            commands::settings::import_mirrors,
            commands::settings::set_proxy,
            commands::images::images_overview,
            commands::images::inspect_image,
            commands::images::image_history,
            commands::images::image_layers,
            commands::images::image_files,
            commands::images::analyze_image,
            commands::images::compare_images,
            commands::images::image_packages,
            commands::images::export_sbom,
            commands::transfers::check_updates,
            commands::images::check_reference,
            commands::images::tag_image,
            commands::images::remove_image,
            commands::images::prune_images,
            commands::images::import_image,
            commands::images::export_image,
            commands::images::choose_import_path,
            commands::images::choose_export_path,
            commands::images::watch_drops,
            commands::engines::list_engines,
            commands::engines::list_engine_images,
            commands::engines::send_image,
            commands::engines::import_from_engine,
            commands::containers::list_containers,
            commands::containers::get_container,
            commands::containers::create_container,
            commands::containers::remove_container,
            commands::containers::container_files,
            commands::containers::upload_files,
            commands::containers::choose_upload_paths,
            commands::containers::read_text_file,
            commands::containers::write_text_file,
            commands::containers::delete_path,
            commands::containers::rename_path,
            commands::containers::chmod_path,
            commands::containers::container_diff,
            commands::containers::commit_preview,
            commands::containers::check_change,
            commands::containers::commit_container,
            commands::containers::open_terminal,
            commands::containers::terminal_input,
            commands::containers::terminal_resize,
            commands::containers::close_terminal,
            commands::tasks::watch_tasks,
            commands::tasks::cancel_task,
            commands::tasks::clear_finished_tasks,
            commands::transfers::pull_image,
            commands::transfers::push_image,
            commands::registries::registry_presets,
            commands::registries::list_registries,
            commands::registries::add_registry,
            commands::registries::choose_ca_file,
            commands::registries::remove_registry,
            commands::registries::add_repositories,
            commands::registries::login_registry,
            commands::registries::logout_registry,
            commands::registries::list_accounts,
            commands::registries::login_with_api,
            commands::registries::list_cloud_accounts,
            commands::registries::remove_cloud_account,
            commands::registries::acr_instances,
            commands::registries::create_namespace,
            commands::registries::delete_namespace,
            commands::registries::create_repository,
            commands::registries::repository_info,
            commands::registries::delete_repository,
            commands::registries::missing_repository,
            commands::registries::browse_registry,
            commands::registries::list_tags,
            commands::registries::list_tags_page,
            commands::registries::tag_details,
            commands::registries::retag_remote,
            commands::registries::plan_delete_tag,
            commands::registries::delete_tag,
            commands::registries::push_script,
            commands::registries::push_targets,
            commands::registries::copy::copy_image,
        ])
        .run(tauri::generate_context!());
    if let Err(err) = app {
        // Nothing is on screen to show this in: the webview itself failed.
        eprintln!("error: Strata could not start: {err}");
        std::process::exit(1);
    }
}
