//! Progress of a pull or push, per blob: compressed bytes done and total, rate, and
//! state. Reports are throttled to about ten a second per blob (every state change is
//! reported at once), so that a fast loopback transfer does not spend its time drawing.
//!
//! These are richer than `task::ProgressUpdate` (a transfer has waiting, mounted and
//! verifying states); [`TransferUpdate::to_task`] maps one onto the other.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::task::{ProgressState, ProgressUpdate};

/// Where one blob of a transfer stands. (The app's Tasks screen shows it as is: with the
/// `ts` feature it has a TypeScript shape, named `BlobState` there.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "BlobState"))]
#[serde(rename_all = "snake_case")]
pub enum TransferState {
    /// Queued behind other blobs.
    Waiting,
    /// Already there (in the store for a pull, in the repository for a push).
    Skipped,
    /// Mounted from another repository of the same registry: no bytes sent.
    Mounted,
    /// Bytes are moving.
    Transferring,
    /// All bytes moved; being checked and made durable.
    Verifying,
    /// Finished and verified.
    Done,
}

/// What a blob is, so that a UI can label it (`BlobRole` in the app's TypeScript).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "BlobRole"))]
#[serde(rename_all = "snake_case")]
pub enum BlobKind {
    Config,
    Layer,
    Manifest,
}

/// One progress report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransferUpdate {
    /// The blob's digest, `sha256:…`.
    pub id: String,
    pub kind: BlobKind,
    /// Compressed bytes moved so far.
    pub done: u64,
    pub total: u64,
    pub state: TransferState,
    /// Bytes per second over the last report interval (0 when not transferring).
    pub bytes_per_second: u64,
}

impl TransferUpdate {
    /// The same report in the shape of `task::Progress`, for sinks that take any task.
    pub fn to_task(&self) -> ProgressUpdate {
        ProgressUpdate {
            id: self.id.clone(),
            done: self.done,
            total: Some(self.total),
            state: match self.state {
                TransferState::Skipped | TransferState::Mounted => ProgressState::Skipped,
                TransferState::Done => ProgressState::Done,
                _ => ProgressState::Running,
            },
        }
    }
}

/// Receives transfer reports, from any task of the transfer: keep it quick.
pub trait TransferProgress: Send + Sync {
    fn update(&self, u: TransferUpdate);
}

impl<F: Fn(TransferUpdate) + Send + Sync> TransferProgress for F {
    fn update(&self, u: TransferUpdate) {
        self(u)
    }
}

/// Discards every report.
pub struct NoTransferProgress;

impl TransferProgress for NoTransferProgress {
    fn update(&self, _: TransferUpdate) {}
}

const REPORT_EVERY: Duration = Duration::from_millis(100);

/// Tracks one blob and reports it, throttled.
pub(crate) struct Tracker<'a> {
    sink: &'a dyn TransferProgress,
    id: String,
    kind: BlobKind,
    total: u64,
    inner: Mutex<TrackerState>,
}

struct TrackerState {
    done: u64,
    state: TransferState,
    last_at: Instant,
    last_done: u64,
}

impl<'a> Tracker<'a> {
    pub fn new(sink: &'a dyn TransferProgress, id: String, kind: BlobKind, total: u64) -> Self {
        Tracker {
            sink,
            id,
            kind,
            total,
            inner: Mutex::new(TrackerState {
                done: 0,
                state: TransferState::Waiting,
                last_at: Instant::now(),
                last_done: 0,
            }),
        }
    }

    /// Reports a new state now, with `done` bytes.
    pub fn state(&self, state: TransferState, done: u64) {
        let Ok(mut s) = self.inner.lock() else { return };
        s.state = state;
        s.done = done;
        s.last_at = Instant::now();
        s.last_done = done;
        self.emit(&s, 0);
    }

    /// Sets the bytes done; reports at most every 100 ms.
    pub fn bytes(&self, done: u64) {
        let Ok(mut s) = self.inner.lock() else { return };
        s.done = done;
        let elapsed = s.last_at.elapsed();
        if elapsed >= REPORT_EVERY {
            let moved = done.saturating_sub(s.last_done);
            let rate = (moved as f64 / elapsed.as_secs_f64()) as u64;
            s.last_at = Instant::now();
            s.last_done = done;
            self.emit(&s, rate);
        }
    }

    fn emit(&self, s: &TrackerState, rate: u64) {
        self.sink.update(TransferUpdate {
            id: self.id.clone(),
            kind: self.kind,
            done: s.done,
            total: self.total,
            state: s.state,
            bytes_per_second: rate,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_reports_are_throttled_but_states_are_not() {
        let seen = Mutex::new(Vec::new());
        let sink = |u: TransferUpdate| seen.lock().unwrap().push(u);
        let t = Tracker::new(&sink, "sha256:x".into(), BlobKind::Layer, 1000);
        t.state(TransferState::Transferring, 0);
        for i in 0..1000 {
            t.bytes(i);
        }
        t.state(TransferState::Done, 1000);
        let seen = seen.lock().unwrap();
        assert!(seen.len() <= 4, "{} reports for a burst", seen.len());
        assert_eq!(seen.first().unwrap().state, TransferState::Transferring);
        assert_eq!(seen.last().unwrap().state, TransferState::Done);
        assert_eq!(seen.last().unwrap().done, 1000);
    }
}
