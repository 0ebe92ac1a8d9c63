//! A task's work runs below the window it is watched from. On two cores, ten transfers
//! hashing and compressing at the UI's own priority left the web view waiting for a core
//! (frames of 150 ms while they ran); at nice 10 the scheduler gives the UI's threads and
//! the web process the core when they need it and the tasks everything else, so the
//! transfers lose almost nothing when the UI is idle.
//!
//! Linux keeps a nice value per thread and a new thread (or child process, such as `podman
//! load`) starts with its creator's: a task's thread is lowered once, as it starts, and
//! everything it creates follows. The threads of a shared pool are not lowered (they later
//! serve the window's own requests, and an unprivileged thread cannot raise itself back),
//! which is why [`block_on`] gives each task a runtime of its own instead of the app's.

use std::future::Future;

use crate::problem::{Code, Problem};

/// The nice value of task threads: below the UI (0), above idle-only work (19).
pub const BACKGROUND_NICE: i32 = 10;

/// Lowers the calling thread to [`BACKGROUND_NICE`]; a thread already lower stays as it is.
/// Best effort: where the platform has no per-thread nice value, nothing changes.
pub(crate) fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    {
        // `None`: PRIO_PROCESS with who = 0, which Linux applies to the calling thread only.
        use rustix::process::{getpriority_process, setpriority_process};
        if getpriority_process(None).is_ok_and(|now| now < BACKGROUND_NICE) {
            let _ = setpriority_process(None, BACKGROUND_NICE);
        }
    }
}

/// Runs `work` to its end on a runtime of the calling task's own: its I/O on this thread,
/// its blocking work on threads started from this one (so at this thread's priority), all
/// of which have ended when this returns. For a task's thread (see [`super::Tasks::start`]),
/// never for a runtime's thread.
pub fn block_on<F: Future>(work: F) -> Result<F::Output, Problem> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("strata-task-io")
        // Started from this thread, so already lowered when it is a task's; said again in
        // case a caller's thread is not.
        .on_thread_start(lower_this_thread)
        .build()
        .map_err(|e| Problem::new(Code::TaskSpawn, format!("cannot start the task: {e}")))?;
    Ok(runtime.block_on(work))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use rustix::process::getpriority_process;

    #[test]
    fn block_on_runs_blocking_work_at_background_priority() {
        let caller = std::thread::spawn(|| {
            let before = getpriority_process(None).unwrap();
            let inside = block_on(async {
                tokio::task::spawn_blocking(|| getpriority_process(None).unwrap())
                    .await
                    .unwrap()
            })
            .unwrap();
            (before, inside)
        });
        let (before, inside) = caller.join().unwrap();
        assert!(before < BACKGROUND_NICE, "the test runs at nice {before}");
        assert_eq!(inside, BACKGROUND_NICE);
    }
}
