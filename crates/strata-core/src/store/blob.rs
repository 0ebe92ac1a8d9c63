//! Writing one blob: a temporary file in `<root>/tmp`, hashed while written, fsynced,
//! verified, then renamed into `blobs/sha256/<hex>` ([OCI image layout § blobs]).
//!
//! The temporary file is held `flock`ed while it is written, so that gc can tell a live
//! writer's file from one left by a killed process.
//!
//! [OCI image layout § blobs]: https://github.com/opencontainers/image-spec/blob/main/image-layout.md#blobs

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{sync_dir, Store, StoreError};
use crate::digest::{self, Digest, HashingWriter};

/// Prefix of blob temporary files in `<root>/tmp`.
pub(crate) const TEMP_PREFIX: &str = "blob-";
/// Prefix of a temporary file not locked yet; gc removes these only when old.
pub(crate) const NEW_PREFIX: &str = ".new-blob-";
/// Prefix of the other temporary files gc checks (see [`locked_temp_file`]).
pub(crate) const WRITE_PREFIX: &str = ".write-";

/// Creates a file in `dir` and locks it before gc can see it: under [`NEW_PREFIX`],
/// which gc leaves until it is old, then renamed to `final_prefix…`, a name gc removes
/// once no process holds its lock. So gc never takes a live writer's file, and removes
/// what a killed one left. Returns the open, locked file and its path.
fn create_locked(dir: &Path, final_prefix: &str) -> io::Result<(File, PathBuf)> {
    let (file, new_path) = tempfile::Builder::new()
        .prefix(NEW_PREFIX)
        .tempfile_in(dir)
        .and_then(|t| t.keep().map_err(|e| e.error))?;
    let locked = match file.try_lock() {
        Ok(()) => Ok(()),
        Err(fs::TryLockError::Error(e)) => Err(e),
        Err(fs::TryLockError::WouldBlock) => Err(io::Error::other("locked by another writer")),
    };
    let name = new_path
        .file_name()
        .map(|n| n.to_string_lossy().replacen(NEW_PREFIX, final_prefix, 1))
        .unwrap_or_default();
    let path = dir.join(name);
    if let Err(e) = locked.and_then(|_| fs::rename(&new_path, &path)) {
        let _ = fs::remove_file(&new_path);
        return Err(e);
    }
    Ok((file, path))
}

/// A file for work in progress in the store's temporary folder `dir` (an archive
/// decompressed while it is imported, the archive Podman or Docker saves for an
/// import), named `.write-<what>-…`, locked while open and removed when dropped. gc
/// (`prune`, `rmi`) leaves it while its process lives and removes it once a killed
/// process left it.
pub(crate) fn locked_temp_file(dir: &Path, what: &str) -> io::Result<tempfile::NamedTempFile> {
    let (file, path) = create_locked(dir, &format!("{WRITE_PREFIX}{what}-"))?;
    match tempfile::TempPath::try_from_path(&path) {
        Ok(temp) => Ok(tempfile::NamedTempFile::from_parts(file, temp)),
        Err(e) => {
            let _ = fs::remove_file(&path);
            Err(e)
        }
    }
}
/// Bytes written between two writeback kicks (see [`BlobWriter::kick_writeback`]).
const WRITEBACK_STEP: u64 = 8 * 1024 * 1024;

/// A blob being written. `io::Write`; [`BlobWriter::commit`] makes it visible. Dropping it
/// uncommitted removes the temporary file.
pub struct BlobWriter {
    store: Store,
    path: PathBuf,
    out: Option<HashingWriter<BufWriter<File>>>,
    /// Bytes of the file already handed to the kernel's writeback.
    kicked: u64,
    /// Set once the temporary file is renamed into place or removed.
    done: bool,
}

impl std::fmt::Debug for BlobWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobWriter")
            .field("path", &self.path)
            .field("len", &self.len())
            .finish()
    }
}

impl BlobWriter {
    pub(super) fn new(store: Store) -> Result<BlobWriter, StoreError> {
        let dir = store.tmp_dir();
        let (file, path) = create_locked(&dir, TEMP_PREFIX)
            .map_err(|e| StoreError::io("create a temporary file in", &dir, e))?;
        Ok(BlobWriter {
            store,
            path,
            out: Some(HashingWriter::new(BufWriter::with_capacity(
                256 * 1024,
                file,
            ))),
            kicked: 0,
            done: false,
        })
    }

    /// Starts the disk writes of what reached the file since the last kick, without
    /// waiting for them: the fsync in [`BlobWriter::commit`] then finds most of a large
    /// blob already on disk instead of writing it all at the end, while the caller (a
    /// download, an import) was still producing bytes. Only a hint: errors are left for
    /// that fsync to report.
    fn kick_writeback(&mut self) {
        let Some(out) = &self.out else { return };
        let buffered = out.get_ref().buffer().len() as u64;
        let in_file = out.len().saturating_sub(buffered);
        if in_file.saturating_sub(self.kicked) < WRITEBACK_STEP {
            return;
        }
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let fd = out.get_ref().get_ref().as_raw_fd();
            let (from, len) = (
                self.kicked as libc::off64_t,
                (in_file - self.kicked) as libc::off64_t,
            );
            // SAFETY: `fd` is this writer's open file for the duration of the call; the
            // call only reads the integers passed.
            unsafe { libc::sync_file_range(fd, from, len, libc::SYNC_FILE_RANGE_WRITE) };
        }
        self.kicked = in_file;
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.out.as_ref().map_or(0, |w| w.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Finishes the blob: flushes and fsyncs it, checks it against `expected` (digest and
    /// size) when given, and renames it into place. A blob already present is kept as it
    /// is and the temporary file dropped. Returns the digest and size.
    pub fn commit(mut self, expected: Option<(&Digest, u64)>) -> Result<(Digest, u64), StoreError> {
        let Some(out) = self.out.take() else {
            return Err(StoreError::io(
                "commit",
                &self.path,
                io::Error::other("the blob writer was already used"),
            ));
        };
        let (buf, actual, len) = out.finish();
        let file = buf
            .into_inner()
            .map_err(|e| StoreError::io("write", &self.path, e.into_error()))?;
        file.sync_all()
            .map_err(|e| StoreError::io("sync", &self.path, e))?;
        if let Some((d, size)) = expected {
            digest::verify(d, Some(size), &actual, len)?;
        }
        let dest = self.store.blob_path(&actual);
        {
            // Under the lock, so that gc cannot remove the blob between its rename (or our
            // finding it present) and its record as pending.
            let _lock = self.store.lock()?;
            if !dest.is_file() {
                fs::rename(&self.path, &dest)
                    .map_err(|e| StoreError::io("move a blob to", &dest, e))?;
                self.done = true;
                sync_dir(&self.store.blobs_dir())?;
            }
            self.store.record_pending(std::slice::from_ref(&actual))?;
        }
        drop(file);
        // Drop removes the temporary file when the blob was already present.
        Ok((actual, len))
    }
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match &mut self.out {
            Some(w) => w.write(buf)?,
            None => return Err(io::Error::other("the blob writer was already committed")),
        };
        self.kick_writeback();
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use crate::digest::Digest;
    use crate::store::Store;

    /// A blob several writeback steps long, written in pieces that straddle the steps
    /// and the write buffer, is stored byte for byte under its digest.
    #[test]
    fn a_large_blob_written_in_odd_pieces_is_stored_intact() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let data: Vec<u8> = (0..(3 * super::WRITEBACK_STEP as usize + 12_345))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let mut w = store.blob_writer().unwrap();
        for piece in data.chunks(400_009) {
            w.write_all(piece).unwrap();
        }
        assert!(w.kicked > 0, "no writeback was started for a large blob");
        let expected = Digest::of(&data);
        let (digest, size) = w.commit(Some((&expected, data.len() as u64))).unwrap();
        assert_eq!((digest.clone(), size), (expected, data.len() as u64));
        assert_eq!(store.read_blob(&digest, size).unwrap(), data);
    }
}
