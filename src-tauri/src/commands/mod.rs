//! The IPC commands, one file per area. Each body is one call into the engine (or the
//! shared state) with errors mapped to `Problem`; no logic lives here. The helpers every
//! area uses (home, store, error mapping, blocking work) are in `support`. A command is
//! registered once, in `main.rs` (which `build.rs` reads to make it a permission); it must
//! also be granted in `capabilities/main.json` and get a method in `ui/src/lib/ipc/api.ts`
//! and a member of `tauriApi` in `ui/src/lib/ipc/tauri.ts` (`tests/commands.rs` fails when
//! one is missing). A host path crosses IPC only as a [`host_path::HostPath`]: a token from a
//! native dialog or a drop, or a path the person typed.

pub mod app;
pub mod containers;
pub mod engines;
pub mod host_path;
pub mod images;
pub mod registries;
pub mod settings;
mod support;
pub mod tasks;
pub mod transfers;
