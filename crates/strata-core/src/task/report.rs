//! The one progress report: a [`Unit`] (a blob, a layer, an archive) with its bytes, its
//! state and its speed, sent to a [`Progress`] whenever it changes. A task's total follows
//! one rule, [`Unit::moved`]: what need not move (already there, mounted) counts as moved,
//! so that a bar shows how much is left.

use std::io;
use std::sync::LazyLock;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

/// What a unit is, so that a UI can label it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Config,
    Layer,
    Manifest,
    /// A blob whose role the work does not know: a file of an imported layout or archive.
    Blob,
    /// A file read or written whole: the archive an import reads, a root filesystem tar.
    Archive,
    /// A folder read whole: a root filesystem folder.
    Folder,
    /// A layer compressed for a push (its id is the layer as stored); the compressed blob
    /// is then its own `Layer` unit.
    Compress,
}

/// Where a unit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum UnitState {
    /// Queued behind other units.
    Waiting,
    /// Already there (in the store for a pull, in the repository for a push or copy).
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

impl UnitKind {
    /// The kind of the blob a descriptor with this media type points at.
    pub fn of_media_type(media_type: &str) -> UnitKind {
        if media_type.contains("manifest") || media_type.contains("index") {
            UnitKind::Manifest
        } else if media_type.contains("config") {
            UnitKind::Config
        } else {
            UnitKind::Layer
        }
    }
}

impl UnitState {
    /// Whether the unit is finished, moved or not.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            UnitState::Skipped | UnitState::Mounted | UnitState::Done
        )
    }
}

/// One progress report, and one row of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Unit {
    /// A blob's digest (`sha256:…`), or the path of an archive or folder.
    pub id: String,
    pub kind: UnitKind,
    /// Bytes moved so far (compressed bytes for a blob).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub done: u64,
    /// Bytes in all, when known.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub total: Option<u64>,
    pub state: UnitState,
    /// Over the last report interval; 0 when not transferring.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_per_second: u64,
    /// The unit this one was read out of (a blob of an imported archive): shown, and not
    /// counted again in the task's total.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub within: Option<String>,
}

impl Unit {
    /// A unit with no bytes moved yet.
    pub fn new(id: impl Into<String>, kind: UnitKind, total: Option<u64>) -> Unit {
        Unit {
            id: id.into(),
            kind,
            done: 0,
            total,
            state: UnitState::Waiting,
            bytes_per_second: 0,
            within: None,
        }
    }

    /// Bytes that count as moved: all of a finished unit (moved or not), else those moved.
    pub fn moved(&self) -> u64 {
        match (self.state.is_final(), self.total) {
            (true, Some(total)) => total,
            (_, Some(total)) => self.done.min(total),
            (_, None) => self.done,
        }
    }
}

/// Receives progress reports. Called from the thread or task doing the work: keep it quick.
pub trait Progress: Send + Sync {
    fn update(&self, u: Unit);
}

/// Discards every report.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: Unit) {}
}

impl<F: Fn(Unit) + Send + Sync> Progress for F {
    fn update(&self, u: Unit) {
        self(u)
    }
}

/// A token that is never cancelled, for callers that cannot cancel.
static NEVER: LazyLock<CancellationToken> = LazyLock::new(CancellationToken::new);

/// What long work is handed: where to report, and the token that stops it.
#[derive(Clone, Copy)]
pub struct TaskCtx<'a> {
    pub progress: &'a dyn Progress,
    pub cancel: &'a CancellationToken,
}

impl<'a> TaskCtx<'a> {
    pub fn new(progress: &'a dyn Progress, cancel: &'a CancellationToken) -> Self {
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
        self.cancel.is_cancelled()
    }

    /// Reports a unit as finished, in one report.
    pub fn done(&self, id: &str, kind: UnitKind, total: u64, state: UnitState) {
        self.progress.update(Unit {
            done: total,
            state,
            ..Unit::new(id, kind, Some(total))
        });
    }

    /// Reports a unit read out of `within` as finished; it does not add to the total.
    pub fn done_within(
        &self,
        within: &str,
        id: &str,
        kind: UnitKind,
        total: u64,
        state: UnitState,
    ) {
        self.progress.update(Unit {
            done: total,
            state,
            within: Some(within.to_string()),
            ..Unit::new(id, kind, Some(total))
        });
    }
}

/// The error a [`Watch`](super::Watch) returns inside an `io::Error` once the task is
/// cancelled; modules turn it into their own `Cancelled` variant with [`is_cancelled`].
#[derive(Debug, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

/// Whether an I/O error is a cancellation raised by a [`Watch`](super::Watch).
pub fn is_cancelled(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|e| e.is::<Cancelled>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_need_not_move_counts_as_moved() {
        let unit = |state, done, total| Unit {
            done,
            state,
            ..Unit::new("sha256:a", UnitKind::Layer, total)
        };
        for (u, moved) in [
            (unit(UnitState::Skipped, 0, Some(10)), 10),
            (unit(UnitState::Mounted, 0, Some(10)), 10),
            (unit(UnitState::Waiting, 0, Some(10)), 0),
            (unit(UnitState::Transferring, 4, Some(10)), 4),
            (unit(UnitState::Transferring, 14, Some(10)), 10),
            (unit(UnitState::Transferring, 7, None), 7),
            (unit(UnitState::Done, 10, Some(10)), 10),
        ] {
            assert_eq!(u.moved(), moved, "{u:?}");
        }
    }
}
