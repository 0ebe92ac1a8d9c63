//! Moving one blob the sink lacks: a mount where the sink can make one, else its bytes from
//! the source into the sink, counted (progress, and never more than the descriptor's size),
//! started again after a failure that may pass (the registry module's one rule of what is
//! worth a retry). Every blob of every
//! transfer goes through here, so that a rule about mounts or retries holds for all of them.
//!
//! A local source's reader is counted as the sink's thread reads it; the meter hears the
//! count from here, as often as it reports.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures::StreamExt;

use super::endpoint::{Blob, BlobReader, Chunks, Data, Mount, Sink, Source};
use crate::digest::DigestError;
use crate::registry::http::{backoff, transient};
use crate::registry::RegistryError;
use crate::task::{CancellationToken, Cancelled, Meter, UnitState};

/// Times one blob is started again after a failure that may pass.
const MAX_BLOB_FAILURES: u32 = 6;

/// How a blob got to the sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// The sink had it.
    Skipped,
    /// Mounted from another repository: no bytes sent.
    Mounted,
    /// Its bytes were moved.
    Moved,
}

/// Moves `blob` into `sink` (which lacks it), reporting on `meter`.
pub(crate) async fn move_blob<S: Source, K: Sink>(
    source: &S,
    sink: &K,
    blob: &Blob,
    meter: &Meter<'_>,
    mount: bool,
    cancel: &CancellationToken,
) -> Result<How, RegistryError> {
    let mut started = None;
    if mount {
        match sink.mount(blob, source.origin()).await? {
            Mount::Mounted => {
                meter.state(UnitState::Mounted, blob.size);
                return Ok(How::Mounted);
            }
            Mount::Upload(session) => started = session,
        }
    }
    meter.state(UnitState::Transferring, 0);
    let mut failures = 0u32;
    loop {
        let attempt = async {
            let from = source.describe();
            let data = match source.blob(blob).await? {
                Data::Reader(reader) if !sink.reads_files() => {
                    Data::Chunks(Data::Reader(reader).into_chunks(from))
                }
                data => data,
            };
            match data {
                Data::Chunks(chunks) => {
                    let counted = Data::Chunks(counted(chunks, blob, from, meter));
                    sink.write(blob, from, counted, started.take(), meter).await
                }
                Data::Reader(reader) => {
                    let read = Arc::new(AtomicU64::new(0));
                    let counted = Counted {
                        reader,
                        read: read.clone(),
                        left: blob.size + 1,
                        cancel: cancel.clone(),
                    };
                    let counted = Data::Reader(Box::new(counted));
                    let write = sink.write(blob, from, counted, started.take(), meter);
                    reported(write, &read, meter).await
                }
            }
        };
        match attempt.await {
            Ok(()) => {
                meter.state(UnitState::Done, blob.size);
                return Ok(How::Moved);
            }
            Err(e) if transient(&e) && failures < MAX_BLOB_FAILURES => {
                failures += 1;
                tracing::debug!(error = %e, failures, "moving the blob again");
                tokio::time::sleep(backoff(failures, None)).await;
                meter.state(UnitState::Transferring, 0);
            }
            Err(e) => return Err(e),
        }
    }
}

/// The chunks as they pass: reported on the meter, and refused past the blob's size (a
/// source that sends more than the descriptor says is not sending this blob).
fn counted<'a>(
    chunks: Chunks<'a>,
    blob: &'a Blob,
    from: &'a str,
    meter: &'a Meter<'a>,
) -> Chunks<'a> {
    let mut received = 0u64;
    // Fused: a sink may ask again after the end and hear the end again.
    chunks
        .fuse()
        .map(move |chunk| {
            let chunk = chunk?;
            received += chunk.len() as u64;
            if received > blob.size {
                return Err(RegistryError::Digest {
                    registry: from.to_string(),
                    what: format!("blob {}", blob.digest),
                    source: DigestError::Size {
                        expected: blob.size,
                        actual: received,
                    },
                });
            }
            meter.bytes(received);
            Ok(chunk)
        })
        .boxed()
}

/// A local source's reader as the sink reads it: counted for the meter, cut one byte past
/// the blob's size (enough for the sink to see that it is not this blob), and failing
/// once the task is cancelled, so that the thread reading it stops too.
struct Counted {
    reader: BlobReader,
    read: Arc<AtomicU64>,
    left: u64,
    cancel: CancellationToken,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.cancel.is_cancelled() {
            return Err(io::Error::other(Cancelled));
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        if max == 0 {
            return Ok(0);
        }
        let n = self.reader.read(&mut buf[..max])?;
        self.left -= n as u64;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Awaits `write`, telling `meter` the count of bytes `read` meanwhile.
async fn reported<T>(
    write: impl std::future::Future<Output = T>,
    read: &AtomicU64,
    meter: &Meter<'_>,
) -> T {
    let mut write = std::pin::pin!(write);
    let mut every = tokio::time::interval(crate::task::REPORT_EVERY);
    loop {
        tokio::select! {
            done = &mut write => return done,
            _ = every.tick() => meter.bytes(read.load(Ordering::Relaxed)),
        }
    }
}
