//! Moving one blob the sink lacks: a mount where the sink can make one, else its bytes from
//! the source into the sink, counted (progress, and never more than the descriptor's size),
//! started again after a failure that may pass (the registry module's one rule of what is
//! worth a retry). Every blob of every
//! transfer goes through here, so that a rule about mounts or retries holds for all of them.

use futures::StreamExt;

use super::endpoint::{Blob, Chunks, Mount, Sink, Source};
use crate::digest::DigestError;
use crate::registry::http::{backoff, transient};
use crate::registry::RegistryError;
use crate::task::{Meter, UnitState};

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
            let chunks = source.blob(blob).await?;
            let counted = counted(chunks, blob, source.describe(), meter);
            sink.write(blob, source.describe(), counted, started.take(), meter)
                .await
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
