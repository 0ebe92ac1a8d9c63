//! Where an archive or a layout sink puts what it is given: a tar being written (an
//! archive) or a folder (an OCI layout directory); and how a blob's [`Data`] reaches a
//! sink that writes with blocking file I/O, off the async threads: a local source's
//! reader is read on the writing thread itself, through the writer's one buffer; a
//! registry's chunks pass through a small queue. A blob is never held whole.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use bytes::{Buf, Bytes};
use futures::StreamExt;

use super::endpoint::{Chunks, Data};
use crate::digest::{Digest, DigestError};
use crate::image::tarout::TarOut;
use crate::registry::RegistryError;
use crate::store::StoreError;

/// Pieces of one blob queued between a registry source and a thread writing files: a few,
/// as the writer is the slower side.
pub(crate) const QUEUED_PIECES: usize = 2;
/// The buffer a blob is copied through into a file, once per blob on the thread that
/// writes it (so that the one freed after a blob is the one the next reuses, and memory
/// stays the same whatever the blobs' sizes); the store's writer's own buffer size, so
/// that a full one goes to the file without another copy.
pub(crate) const COPY_BUFFER: usize = 256 << 10;

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
                let mut data = data.take(size.unwrap_or(u64::MAX));
                let n = copy_through(&mut data, &mut file, COPY_BUFFER)?;
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

/// Pieces of a blob read ahead by [`Data::into_chunks`] (16 MiB: a chunk of a chunked
/// upload).
const READ_AHEAD: usize = 16;
/// Bytes read from a blob file at once.
const READ_PIECE: usize = 1 << 20;

/// Runs `write` on the blocking pool, reading `data`: a reader as it is, on that thread;
/// chunks through a queue of `queued` pieces. A source error reaches `write` as an I/O
/// error and is returned as it was.
pub(crate) async fn on_thread<T: Send + 'static>(
    data: Data<'_>,
    queued: usize,
    write: impl FnOnce(&mut dyn Read) -> Result<T, RegistryError> + Send + 'static,
) -> Result<T, RegistryError> {
    match data {
        Data::Reader(mut reader) => {
            joined(tokio::task::spawn_blocking(move || write(&mut reader))).await
        }
        Data::Chunks(chunks) => from_chunks(chunks, queued, write).await,
    }
}

async fn joined<T>(
    task: tokio::task::JoinHandle<Result<T, RegistryError>>,
) -> Result<T, RegistryError> {
    task.await.unwrap_or_else(|e| {
        Err(RegistryError::Protocol {
            registry: "the store".into(),
            reason: format!("a background task failed: {e}"),
        })
    })
}

async fn from_chunks<T: Send + 'static>(
    mut chunks: Chunks<'_>,
    queued: usize,
    write: impl FnOnce(&mut dyn Read) -> Result<T, RegistryError> + Send + 'static,
) -> Result<T, RegistryError> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, ()>>(queued.max(1));
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
    let written = joined(writer).await;
    match failed {
        Some(e) => Err(e),
        None => written,
    }
}

/// The reading end of [`on_thread`]'s queue.
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

impl<'a> Data<'a> {
    /// The bytes as chunks, for a sink that sends them on (a registry): a reader is read
    /// on a thread of its own, a few pieces ahead. `from` names the source in errors.
    pub fn into_chunks(self, from: &str) -> Chunks<'a> {
        let mut reader = match self {
            Data::Chunks(chunks) => return chunks,
            Data::Reader(reader) => reader,
        };
        let from = PathBuf::from(from);
        let (tx, rx) = tokio::sync::mpsc::channel(READ_AHEAD);
        tokio::task::spawn_blocking(move || loop {
            let mut piece = vec![0u8; READ_PIECE];
            let read = match reader.read(&mut piece) {
                Ok(0) => return,
                Ok(n) => {
                    piece.truncate(n);
                    Ok(Bytes::from(piece))
                }
                Err(e) => Err(StoreError::io("read", &from, e).into()),
            };
            let failed = read.is_err();
            // A closed channel: the transfer stopped (failed or cancelled).
            if tx.blocking_send(read).is_err() || failed {
                return;
            }
        });
        futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|piece| (piece, rx))
        })
        .boxed()
    }
}

/// Copies all of `from` into `to` through one buffer of `size` bytes, allocated once.
pub(crate) fn copy_through(
    from: &mut dyn Read,
    to: &mut dyn Write,
    size: usize,
) -> io::Result<u64> {
    let mut buf = vec![0u8; size];
    let mut n = 0u64;
    loop {
        let got = match from.read(&mut buf) {
            Ok(0) => return Ok(n),
            Ok(got) => got,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buf[..got])?;
        n += got as u64;
    }
}
