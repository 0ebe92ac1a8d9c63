//! The IPC commands, one file per area. Each body is one call into the engine (or the
//! shared state) with errors mapped to `Problem`; no logic lives here. The helpers every
//! area uses (home, store, error mapping, blocking work) are in `support`. A command must
//! also be listed in `build.rs` and granted in `capabilities/main.json`, and get a typed
//! wrapper in `ui/src/lib/ipc/`. A host path crosses IPC only as a [`host_path::HostPath`]:
//! a token from a native dialog or a drop, or a path the person typed.

pub mod app;
pub mod containers;
pub mod host_path;
pub mod images;
pub mod registries;
pub mod settings;
mod support;
pub mod tasks;
pub mod transfers;
