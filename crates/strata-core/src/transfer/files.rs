//! Where an archive or a layout sink puts what it is given: a tar being written (an
//! archive) or a folder (an OCI layout directory); and the bridge that lets such a sink
//! write a blob with blocking file I/O, off the async threads, while the blob's bytes
//! stream in from the source. The bytes pass through a small queue, never held whole.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use bytes::{Buf, Bytes};
use futures::StreamExt;

use super::endpoint::Chunks;
use crate::digest::{Digest, DigestError};
use crate::image::tarout::TarOut;
use crate::registry::RegistryError;
use crate::store::StoreError;

/// Pieces of one blob queued between the source and the thread writing it: a few, as
/// the source reads ahead too and the writer is the slower side.
const QUEUED_PIECES: usize = 2;

/// A tar being written, or a folder.
pub(crate) enum Files {
    Tar(TarOut),
    Dir(PathBuf),
}

impl Files {
    /// A folder entry (`name/`).
    pub fn dir(&mut self, path: &str) -> io::Result<()> {
        match self {
            Files::Tar(t) => t.dir(path),
            Files::Dir(root) => std::fs::create_dir_all(root.join(path)),
        }
    }

    /// A small file from memory.
    pub fn bytes(&mut self, path: &str, data: &[u8]) -> io::Result<()> {
        match self {
            Files::Tar(t) => t.bytes(path, data),
            Files::Dir(root) => std::fs::write(root.join(path), data),
        }
    }

    /// A file streamed from `data`: exactly `size` bytes when given. Returns its size.
    pub fn stream(&mut self, path: &str, size: Option<u64>, data: impl Read) -> io::Result<u64> {
        match self {
            Files::Tar(t) => t.stream(path, size, data),
            Files::Dir(root) => {
                let mut file = File::create(root.join(path))?;
                let n = io::copy(&mut data.take(size.unwrap_or(u64::MAX)), &mut file)?;
                if size.is_some_and(|want| want != n) {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("{path} has {n} bytes, expected {size:?}"),
                    ));
                }
                file.flush()?;
                file.sync_all()?;
                Ok(n)
            }
        }
    }

    /// Ends a tar (its end blocks, synced); a folder needs nothing.
    pub fn finish(self) -> io::Result<()> {
        match self {
            Files::Tar(t) => t.finish().map(drop),
            Files::Dir(_) => Ok(()),
        }
    }

    /// Where the files go, for messages.
    pub fn describe(&self) -> &Path {
        match self {
            Files::Tar(_) => Path::new("the archive"),
            Files::Dir(root) => root,
        }
    }
}

/// An I/O error of a sink writing `what`.
pub(crate) fn io_error(what: &Path, e: io::Error) -> RegistryError {
    StoreError::io("write", what, e).into()
}

/// A digest or size error of the blob `digest` read from `from`.
pub(crate) fn digest_error(from: &str, digest: &Digest, source: DigestError) -> RegistryError {
    RegistryError::Digest {
        registry: from.to_string(),
        what: format!("blob {digest}"),
        source,
    }
}

/// Hands `chunks` to `write`, which runs on the blocking pool and reads them as a
/// [`Read`]. A source error reaches `write` as an I/O error and is returned as it was.
pub(crate) async fn blocking_write<T: Send + 'static>(
    mut chunks: Chunks<'_>,
    write: impl FnOnce(&mut dyn Read) -> Result<T, RegistryError> + Send + 'static,
) -> Result<T, RegistryError> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, ()>>(QUEUED_PIECES);
    let writer = tokio::task::spawn_blocking(move || {
        let mut reader = Queue {
            rx,
            piece: Bytes::new(),
        };
        write(&mut reader)
    });
    let mut failed = None;
    while let Some(chunk) = chunks.next().await {
        let piece = match chunk {
            Ok(piece) => Ok(piece),
            Err(e) => {
                failed = Some(e);
                Err(())
            }
        };
        let last = piece.is_err();
        // A closed queue: the writer stopped, and says why below.
        if tx.send(piece).await.is_err() || last {
            break;
        }
    }
    drop(tx);
    let written = writer.await.map_err(|e| RegistryError::Protocol {
        registry: "the store".into(),
        reason: format!("a background task failed: {e}"),
    })?;
    match failed {
        Some(e) => Err(e),
        None => written,
    }
}

/// The reading end of [`blocking_write`]'s queue.
struct Queue {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, ()>>,
    piece: Bytes,
}

impl Read for Queue {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.piece.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(piece)) => self.piece = piece,
                Some(Err(())) => return Err(io::Error::other("the source failed")),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.piece.len());
        buf[..n].copy_from_slice(&self.piece[..n]);
        self.piece.advance(n);
        Ok(n)
    }
}
