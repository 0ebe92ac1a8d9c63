//! Small helpers every command file shares: the app's home and store, the conversion of
//! engine errors to `Problem`, and running blocking engine work off the async runtime.
//! Kept here so that each area's file holds only its commands and transport types.

use std::sync::Mutex;

use crate::vocabulary::AppCode;
use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};
use strata_core::store::Store;

/// An engine error as it crosses IPC.
pub(crate) fn problem(e: impl Explain) -> Problem {
    e.problem()
}

/// The app's home: `$STRATA_HOME`, else the platform data directory.
pub(crate) fn home() -> Result<Home, Problem> {
    Home::resolve(None).map_err(problem)
}

/// The store under `home` (opening creates the layout).
pub(crate) fn open_store(home: &Home) -> Result<Store, Problem> {
    Store::open(&home.path).map_err(problem)
}

/// The store at the app's home, opened on first use and kept. A failure is not kept: the
/// next call tries again.
#[derive(Default)]
pub(crate) struct StoreSlot(Mutex<Option<Store>>);

impl StoreSlot {
    pub(crate) fn get(&self) -> Result<Store, Problem> {
        // A panic while holding the lock leaves either no store or a whole one: go on.
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let store = open_store(&home()?)?;
        *slot = Some(store.clone());
        Ok(store)
    }
}

/// Runs blocking engine work (filesystem, keychain) off the async runtime's threads
/// (DESIGN.md: blocking work in `spawn_blocking`).
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| {
            Problem::new(
                AppCode::Internal,
                format!("the work stopped unexpectedly: {e}"),
            )
        })?
}
