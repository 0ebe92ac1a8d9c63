//! Copy an image between repositories or registries without pulling it, as a task of the
//! [`Tasks`] list: the engine's [`remote::copy_with`] reports one row per blob, as a push
//! does, and stops when the task's Cancel button cancels its token.

use strata_core::catalog::{self, remote, Access};
use strata_core::problem::{Explain, Problem};
use strata_core::reference::Reference;
use tauri::State;

use super::super::support::{home, problem};
use super::super::tasks::{Finished, TaskInfo, TaskKind, Tasks};

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
        move |ctx| {
            let home = home()?;
            // On the task's own runtime, below the window's priority.
            let copied = strata_core::task::block_on(async {
                let access = Access::default();
                let from = catalog::connect(&home, &src.registry, &src.repository, &access).await?;
                let to = catalog::connect(&home, &dst.registry, &dst.repository, &access).await?;
                remote::copy_with(&from, &src, &to, &dst, ctx).await
            })?
            .map_err(|e| e.problem())?;
            Ok(Finished {
                outcome: vec![copied.target.clone()],
                digest: copied.digest.map(|d| d.to_string()),
                compressed: None,
            })
        },
    )
}
