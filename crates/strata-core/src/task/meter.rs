//! One unit's reports: [`Meter`] keeps its bytes and state and reports them throttled
//! (every state change at once, bytes about ten times a second), with the speed over the
//! last interval, so that a fast loopback transfer does not spend its time drawing.
//! [`Watch`] wraps a reader or a writer in a meter and stops it once the task is cancelled.

use std::io::{self, Read, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::report::{Cancelled, Progress, TaskCtx, Unit, UnitKind, UnitState};

/// How often a meter reports bytes at most.
pub(crate) const REPORT_EVERY: Duration = Duration::from_millis(100);

/// Tracks one unit and reports it.
pub struct Meter<'a> {
    sink: &'a dyn Progress,
    unit: Mutex<(Unit, Instant, u64)>,
}

impl<'a> Meter<'a> {
    /// A meter for `id`; reports nothing until told.
    pub fn new(
        sink: &'a dyn Progress,
        id: impl Into<String>,
        kind: UnitKind,
        total: Option<u64>,
    ) -> Self {
        Meter {
            sink,
            unit: Mutex::new((Unit::new(id, kind, total), Instant::now(), 0)),
        }
    }

    /// Marks the unit as read out of `within` (see [`Unit::within`]).
    pub fn within(self, within: impl Into<String>) -> Self {
        if let Ok(mut u) = self.unit.lock() {
            u.0.within = Some(within.into());
        }
        self
    }

    /// Reports a new state now, with `done` bytes.
    pub fn state(&self, state: UnitState, done: u64) {
        let Ok(mut u) = self.unit.lock() else { return };
        u.0.state = state;
        u.0.done = done;
        u.0.bytes_per_second = 0;
        u.1 = Instant::now();
        u.2 = done;
        self.sink.update(u.0.clone());
    }

    /// Reports the unit finished with its whole size (now known, for a unit that had none).
    pub fn finish(&self, state: UnitState, total: u64) {
        if let Ok(mut u) = self.unit.lock() {
            u.0.total = Some(total);
        }
        self.state(state, total);
    }

    /// Sets the bytes done; reports the first bytes after a start at once, then at most
    /// ten times a second.
    pub fn bytes(&self, done: u64) {
        let Ok(mut u) = self.unit.lock() else { return };
        u.0.done = done;
        let elapsed = u.1.elapsed();
        let first = u.2 == 0 && done > 0;
        if first || elapsed >= REPORT_EVERY {
            // A speed over less than an interval would be noise.
            if elapsed >= REPORT_EVERY {
                let moved = done.saturating_sub(u.2);
                u.0.bytes_per_second = (moved as f64 / elapsed.as_secs_f64()) as u64;
            }
            u.1 = Instant::now();
            u.2 = done;
            self.sink.update(u.0.clone());
        }
    }

    /// Bytes done so far.
    pub fn done(&self) -> u64 {
        self.unit.lock().map_or(0, |u| u.0.done)
    }
}

/// Wraps a reader or a writer: counts bytes into a [`Meter`] (reported as transferring)
/// and fails with [`Cancelled`] between chunks once the task is cancelled.
pub struct Watch<'a, T> {
    inner: T,
    ctx: TaskCtx<'a>,
    meter: Meter<'a>,
    done: u64,
}

impl<'a, T> Watch<'a, T> {
    /// Starts metering `inner` as the unit `id`, reported transferring at 0 bytes.
    pub fn new(
        inner: T,
        ctx: TaskCtx<'a>,
        id: impl Into<String>,
        kind: UnitKind,
        total: Option<u64>,
    ) -> Self {
        Self::with_meter(inner, ctx, Meter::new(ctx.progress, id, kind, total))
    }

    /// [`Watch::new`] with a meter made by the caller (one marked [`Meter::within`]).
    pub fn with_meter(inner: T, ctx: TaskCtx<'a>, meter: Meter<'a>) -> Self {
        meter.state(UnitState::Transferring, 0);
        Watch {
            inner,
            ctx,
            meter,
            done: 0,
        }
    }

    /// Bytes counted so far.
    pub fn count(&self) -> u64 {
        self.done
    }

    /// The unit's meter, to report its end.
    pub fn meter(&self) -> &Meter<'a> {
        &self.meter
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
        self.check()?;
        self.meter.bytes(self.done);
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
    use crate::task::is_cancelled;
    use tokio_util::sync::CancellationToken;

    #[test]
    fn byte_reports_are_throttled_but_states_are_not() {
        let seen = Mutex::new(Vec::new());
        let sink = |u: Unit| seen.lock().unwrap().push(u);
        let t = Meter::new(&sink, "sha256:x", UnitKind::Layer, Some(1000));
        t.state(UnitState::Transferring, 0);
        for i in 0..1000 {
            t.bytes(i);
        }
        t.state(UnitState::Done, 1000);
        let seen = seen.lock().unwrap();
        assert!(seen.len() <= 4, "{} reports for a burst", seen.len());
        assert_eq!(seen.first().unwrap().state, UnitState::Transferring);
        assert_eq!(seen.last().unwrap().state, UnitState::Done);
        assert_eq!(seen.last().unwrap().done, 1000);
    }

    #[test]
    fn watch_counts_and_stops_when_cancelled() {
        let data = vec![7u8; 100_000];
        let cancel = CancellationToken::new();
        let seen = Mutex::new(Vec::new());
        let progress = |u: Unit| seen.lock().unwrap().push(u);
        let ctx = TaskCtx::new(&progress, &cancel);

        let mut w = Watch::new(&data[..], ctx, "blob", UnitKind::Layer, Some(100_000));
        let mut buf = [0u8; 1000];
        assert_eq!(w.read(&mut buf).unwrap(), 1000);
        assert_eq!(w.count(), 1000);
        assert_eq!(seen.lock().unwrap()[0].state, UnitState::Transferring);

        cancel.cancel();
        let err = w.read(&mut buf).unwrap_err();
        assert!(is_cancelled(&err), "{err}");
        assert!(!is_cancelled(&io::Error::other("disk full")));
    }
}
