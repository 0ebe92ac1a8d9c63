//! Long work (import, export, pull, push, commit) reports progress through one small trait
//! and stops when a shared flag says so. The CLI prints the updates, the app forwards them
//! to the Tasks screen over a channel; the engine never knows which.
//!
//! Cancellation is cooperative: work checks the flag between chunks (see [`Watch`]) and
//! returns its module's `Cancelled` error, having removed anything it had started, so that
//! a cancelled task leaves the store as it was.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Where a unit of work (one blob, one file) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressState {
    /// Bytes are moving.
    Running,
    /// Nothing to do: the store already had it.
    Skipped,
    /// Finished and verified.
    Done,
}

/// One progress report. `id` names the unit (a blob digest or a file path); `done` and
/// `total` count bytes of that unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgressUpdate {
    pub id: String,
    pub done: u64,
    pub total: Option<u64>,
    pub state: ProgressState,
}

/// Receives progress reports. Called from the thread doing the work: keep it quick.
pub trait Progress: Send + Sync {
    fn update(&self, p: ProgressUpdate);
}

/// Discards every report.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: ProgressUpdate) {}
}

impl<F: Fn(ProgressUpdate) + Send + Sync> Progress for F {
    fn update(&self, p: ProgressUpdate) {
        self(p)
    }
}

/// A flag that is never raised, for callers that cannot cancel.
pub static NEVER: AtomicBool = AtomicBool::new(false);

/// What a long operation is given: where to report, and the flag that stops it.
#[derive(Clone, Copy)]
pub struct TaskCtx<'a> {
    pub progress: &'a dyn Progress,
    pub cancel: &'a AtomicBool,
}

impl<'a> TaskCtx<'a> {
    pub fn new(progress: &'a dyn Progress, cancel: &'a AtomicBool) -> Self {
        TaskCtx { progress, cancel }
    }

    /// No reports, no cancellation.
    pub fn none() -> TaskCtx<'static> {
        TaskCtx {
            progress: &NoProgress,
            cancel: &NEVER,
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Reports a unit as finished.
    pub fn done(&self, id: &str, total: u64, state: ProgressState) {
        self.progress.update(ProgressUpdate {
            id: id.to_string(),
            done: total,
            total: Some(total),
            state,
        });
    }
}

/// The error a [`Watch`] returns inside an `io::Error` once the task is cancelled; modules
/// turn it into their own `Cancelled` variant with [`is_cancelled`].
#[derive(Debug, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

/// Whether an I/O error is a cancellation raised by a [`Watch`].
pub fn is_cancelled(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|e| e.is::<Cancelled>())
}

/// How often a [`Watch`] reports at most: often enough for a smooth bar, rarely enough
/// that a fast copy does not spend its time in the callback.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// Wraps a reader or a writer: counts bytes, reports them (throttled) and fails with
/// [`Cancelled`] between chunks once the flag is raised.
pub struct Watch<'a, T> {
    inner: T,
    ctx: TaskCtx<'a>,
    id: String,
    total: Option<u64>,
    done: u64,
    last: Instant,
}

impl<'a, T> Watch<'a, T> {
    pub fn new(inner: T, ctx: TaskCtx<'a>, id: impl Into<String>, total: Option<u64>) -> Self {
        Watch {
            inner,
            ctx,
            id: id.into(),
            total,
            done: 0,
            last: Instant::now(),
        }
    }

    /// Bytes counted so far.
    pub fn count(&self) -> u64 {
        self.done
    }

    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    pub fn into_inner(self) -> T {
        self.inner
    }

    fn step(&mut self, n: usize) -> io::Result<()> {
        self.done += n as u64;
        if self.ctx.is_cancelled() {
            return Err(io::Error::other(Cancelled));
        }
        if self.last.elapsed() >= REPORT_EVERY {
            self.last = Instant::now();
            self.ctx.progress.update(ProgressUpdate {
                id: self.id.clone(),
                done: self.done,
                total: self.total,
                state: ProgressState::Running,
            });
        }
        Ok(())
    }

    fn check(&self) -> io::Result<()> {
        if self.ctx.is_cancelled() {
            Err(io::Error::other(Cancelled))
        } else {
            Ok(())
        }
    }
}

impl<T: Read> Read for Watch<'_, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.check()?;
        let n = self.inner.read(buf)?;
        self.step(n)?;
        Ok(n)
    }
}

impl<T: Write> Write for Watch<'_, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check()?;
        let n = self.inner.write(buf)?;
        self.step(n)?;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn watch_counts_and_stops_when_cancelled() {
        let data = vec![7u8; 100_000];
        let cancel = AtomicBool::new(false);
        let seen = Mutex::new(Vec::new());
        let progress = |p: ProgressUpdate| seen.lock().unwrap().push(p);
        let ctx = TaskCtx::new(&progress, &cancel);

        let mut w = Watch::new(&data[..], ctx, "blob", Some(100_000));
        let mut buf = [0u8; 1000];
        assert_eq!(w.read(&mut buf).unwrap(), 1000);
        assert_eq!(w.count(), 1000);

        cancel.store(true, Ordering::Relaxed);
        let err = w.read(&mut buf).unwrap_err();
        assert!(is_cancelled(&err), "{err}");
        assert!(!is_cancelled(&io::Error::other("disk full")));
    }
}
