//! Copy an image between repositories or registries without pulling it, as a task of the
//! [`Tasks`] registry: the engine's [`remote::copy_with`] reports each blob's bytes, which
//! [`Summed`] turns into one byte count for the task's bar, and stops when the task's
//! cancel button raises the flag.

use std::collections::BTreeMap;
use std::sync::Mutex;

use strata_core::catalog::{self, remote, Access};
use strata_core::problem::{Explain, Problem};
use strata_core::reference::Reference;
use strata_core::task::{Progress, ProgressState, ProgressUpdate};
use tauri::State;

use super::super::support::{home, problem};
use super::super::tasks::{TaskInfo, TaskKind, Tasks};

/// The task's one progress unit: every blob's bytes added up.
const UNIT: &str = "copy";

/// Adds the engine's per-blob reports into one [`UNIT`] report with the whole size.
struct Summed<'a> {
    inner: &'a dyn Progress,
    /// Blob digest → (bytes done, size).
    blobs: Mutex<BTreeMap<String, (u64, u64)>>,
}

impl Progress for Summed<'_> {
    fn update(&self, p: ProgressUpdate) {
        let (done, total) = {
            let mut blobs = self.blobs.lock().unwrap_or_else(|e| e.into_inner());
            blobs.insert(p.id, (p.done, p.total.unwrap_or(p.done)));
            blobs
                .values()
                .fold((0, 0), |(d, t), (bd, bt)| (d + bd, t + bt))
        };
        self.inner.update(ProgressUpdate {
            id: UNIT.to_string(),
            done,
            total: Some(total),
            state: ProgressState::Running,
        });
    }
}

/// Starts copying `source` to `target` (full references: `host/repo:tag`); returns the
/// task at once. Credentials for each side come from the keychain.
#[tauri::command]
pub fn copy_image(
    tasks: State<'_, Tasks>,
    source: String,
    target: String,
) -> Result<TaskInfo, Problem> {
    let src = Reference::parse(source.trim()).map_err(problem)?;
    let dst = Reference::parse(target.trim()).map_err(problem)?;
    tasks.start(
        TaskKind::Copy,
        src.to_string(),
        Some(dst.to_string()),
        None,
        Some(UNIT.to_string()),
        move |ctx| {
            let home = home()?;
            let sum = Summed {
                inner: ctx.progress,
                blobs: Mutex::new(BTreeMap::new()),
            };
            let copied = tauri::async_runtime::block_on(async {
                let access = Access::default();
                let from = catalog::connect(&home, &src.registry, &src.repository, &access).await?;
                let to = catalog::connect(&home, &dst.registry, &dst.repository, &access).await?;
                remote::copy_with(&from, &src, &to, &dst, &sum, ctx.cancel).await
            })
            .map_err(|e| e.problem())?;
            let mut out = vec![copied.target.clone()];
            if let Some(d) = &copied.digest {
                out.push(d.to_string());
            }
            Ok(out)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn blob_reports_add_up_to_one_unit_with_the_whole_size() {
        let seen: Arc<Mutex<Vec<ProgressUpdate>>> = Arc::default();
        let sink = {
            let seen = seen.clone();
            move |p: ProgressUpdate| seen.lock().unwrap().push(p)
        };
        let sum = Summed {
            inner: &sink,
            blobs: Mutex::new(BTreeMap::new()),
        };
        let blob = |id: &str, done, total, state| ProgressUpdate {
            id: id.into(),
            done,
            total: Some(total),
            state,
        };
        sum.update(blob("sha256:a", 0, 100, ProgressState::Running));
        sum.update(blob("sha256:b", 0, 50, ProgressState::Running));
        sum.update(blob("sha256:a", 40, 100, ProgressState::Running));
        sum.update(blob("sha256:b", 50, 50, ProgressState::Skipped));
        let last = seen.lock().unwrap().last().cloned().unwrap();
        assert_eq!(last.id, UNIT);
        assert_eq!((last.done, last.total), (90, Some(150)));
    }
}
