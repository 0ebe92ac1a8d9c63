//! The store's one lock, and the record of blobs written but not yet named.
//!
//! [`StoreLock`] is an exclusive `flock` on `<root>/index.lock` (`std::fs::File::lock`),
//! so it excludes other processes; inside one process it is re-entrant per thread, so that
//! a caller holding it can still call [`Store::set_ref`] (which takes it too). The
//! in-process state is shared by every handle on the same folder, even ones opened
//! separately, so that a thread holding the lock through one handle does not deadlock
//! against itself through another.
//!
//! Pending blobs: between the moment an import or pull writes a blob and the moment it
//! names the image with [`Store::set_ref`], the blob is unreachable from `index.json` and
//! a concurrent [`Store::gc`] would remove it. So every blob written (or found already
//! present) is recorded in this process's session file `<root>/tmp/sessions/<pid>-<n>`,
//! which the process holds locked while it lives. gc keeps every blob listed in a session
//! file that is still locked (its process is alive), and deletes session files whose
//! process is gone. Naming an image releases its blobs from the session.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::{self, ThreadId};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Store, StoreError, LOCK_FILE, TMP_DIR};
use crate::digest::Digest;

/// Pending records older than this no longer protect a blob: a process that wrote a blob
/// a day ago and never named it has given up on it.
pub(crate) const PENDING_TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Default)]
pub(crate) struct LockState {
    holder: Mutex<Holder>,
    released: Condvar,
}

#[derive(Default)]
struct Holder {
    owner: Option<ThreadId>,
    depth: usize,
    file: Option<File>,
}

/// Holds the store's exclusive lock until dropped. Not `Send`: it belongs to the thread
/// that took it (the lock is re-entrant per thread).
#[must_use = "the lock is released when this is dropped"]
pub struct StoreLock {
    store: Store,
    _not_send: PhantomData<*const ()>,
}

impl std::fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreLock")
            .field("root", &self.store.root())
            .finish()
    }
}

/// Lock states of the stores open in this process, by canonical folder.
static REGISTRY: Mutex<BTreeMap<PathBuf, Weak<LockState>>> = Mutex::new(BTreeMap::new());

impl LockState {
    /// The lock state shared by every handle on `root` in this process.
    pub(crate) fn for_root(root: &std::path::Path) -> Arc<LockState> {
        let key = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
        registry.retain(|_, state| state.strong_count() > 0);
        if let Some(state) = registry.get(&key).and_then(Weak::upgrade) {
            return state;
        }
        let state = Arc::new(LockState::default());
        registry.insert(key, Arc::downgrade(&state));
        state
    }
}

fn guard(m: &Mutex<Holder>) -> MutexGuard<'_, Holder> {
    // A panic while holding the mutex leaves plain data behind; keep going.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Store {
    /// Takes the store's exclusive cross-process lock, waiting for it. Index updates and
    /// gc hold it; a thread that holds it may take it again.
    pub fn lock(&self) -> Result<StoreLock, StoreError> {
        let state = &self.inner.lock;
        let me = thread::current().id();
        let mut h = guard(&state.holder);
        loop {
            match h.owner {
                Some(owner) if owner == me => {
                    h.depth += 1;
                    return Ok(self.lock_guard());
                }
                None => break,
                Some(_) => {
                    h = state.released.wait(h).unwrap_or_else(|e| e.into_inner());
                }
            }
        }
        h.owner = Some(me);
        h.depth = 1;
        drop(h);

        let path = self.path(LOCK_FILE);
        let taken = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .and_then(|f| f.lock().map(|_| f));
        let mut h = guard(&state.holder);
        match taken {
            Ok(file) => {
                h.file = Some(file);
                Ok(self.lock_guard())
            }
            Err(e) => {
                h.owner = None;
                h.depth = 0;
                state.released.notify_all();
                Err(StoreError::io("lock", &path, e))
            }
        }
    }

    fn lock_guard(&self) -> StoreLock {
        StoreLock {
            store: self.clone(),
            _not_send: PhantomData,
        }
    }

    /// Records blobs as written-but-not-yet-named by this process (see the module doc).
    /// The caller holds the store lock.
    pub(crate) fn record_pending(&self, digests: &[Digest]) -> Result<(), StoreError> {
        let mut session = self.inner.session.lock().unwrap_or_else(|e| e.into_inner());
        let now = unix_now();
        for d in digests {
            session.pending.insert(d.clone(), now);
        }
        session.save(self)
    }

    /// Gives up blobs this process wrote but will not name (a cancelled or failed import
    /// or pull), so that the next gc may free them. Without this they stay protected
    /// until the process exits (or for a day).
    pub fn release_blobs(&self, digests: &[Digest]) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        self.release_pending(digests)
    }

    /// Releases blobs from this process's pending record (they are named now).
    /// The caller holds the store lock.
    pub(crate) fn release_pending(&self, digests: &[Digest]) -> Result<(), StoreError> {
        let mut session = self.inner.session.lock().unwrap_or_else(|e| e.into_inner());
        let before = session.pending.len();
        for d in digests {
            session.pending.remove(d);
        }
        if session.pending.len() != before {
            session.save(self)?;
        }
        Ok(())
    }

    /// Every blob some live process has written and not yet named: this process's
    /// records, and those of other live processes' session files. Session files of dead
    /// processes are removed. The caller holds the store lock.
    pub(crate) fn pending_blobs(&self) -> Result<Vec<Digest>, StoreError> {
        let oldest = unix_now().saturating_sub(PENDING_TTL.as_secs());
        let mut out: Vec<Digest> = {
            let session = self.inner.session.lock().unwrap_or_else(|e| e.into_inner());
            session
                .pending
                .iter()
                .filter(|(_, t)| **t >= oldest)
                .map(|(d, _)| d.clone())
                .collect()
        };
        let own = {
            let session = self.inner.session.lock().unwrap_or_else(|e| e.into_inner());
            session.file.as_ref().map(|(p, _)| p.clone())
        };
        let dir = sessions_dir(self);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(StoreError::io("list", &dir, e)),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if Some(&path) == own.as_ref() {
                continue;
            }
            let Ok(file) = File::open(&path) else {
                continue;
            };
            match file.try_lock() {
                Ok(()) => {
                    // Its process is gone (the kernel released its lock): the record is void.
                    let _ = fs::remove_file(&path);
                }
                Err(fs::TryLockError::WouldBlock) => {
                    let text = fs::read_to_string(&path).unwrap_or_default();
                    for line in text.lines() {
                        let mut parts = line.split_whitespace();
                        let (Some(t), Some(d)) = (parts.next(), parts.next()) else {
                            continue;
                        };
                        let fresh = t.parse::<u64>().is_ok_and(|t| t >= oldest);
                        if let (true, Ok(d)) = (fresh, d.parse::<Digest>()) {
                            out.push(d);
                        }
                    }
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(StoreError::io("check the lock of", &path, e));
                }
            }
        }
        Ok(out)
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        let state = &self.store.inner.lock;
        let mut h = guard(&state.holder);
        h.depth = h.depth.saturating_sub(1);
        if h.depth == 0 {
            // Closing the file releases the flock.
            h.file = None;
            h.owner = None;
            state.released.notify_all();
        }
    }
}

/// This process's pending record for one store.
#[derive(Default)]
pub(crate) struct Session {
    pending: BTreeMap<Digest, u64>,
    file: Option<(PathBuf, File)>,
}

impl Session {
    fn save(&mut self, store: &Store) -> Result<(), StoreError> {
        if self.file.is_none() {
            if self.pending.is_empty() {
                return Ok(());
            }
            let dir = sessions_dir(store);
            fs::create_dir_all(&dir).map_err(|e| StoreError::io("create the folder", &dir, e))?;
            let path = dir.join(format!(
                "{}-{:016x}",
                std::process::id(),
                rand::random::<u64>()
            ));
            let file = OpenOptions::new()
                .create_new(true)
                .write(true)
                .open(&path)
                .and_then(|f| f.lock().map(|_| f))
                .map_err(|e| StoreError::io("create", &path, e))?;
            self.file = Some((path, file));
        }
        let Some((path, file)) = &mut self.file else {
            return Ok(());
        };
        // Rewritten in place (not renamed) so that the file keeps its lock. Readers hold
        // the store lock, as every writer does, so they never see it half written. No
        // fsync: after a crash the record is void anyway.
        let mut text = String::new();
        for (d, t) in &self.pending {
            text.push_str(&format!("{t} {d}\n"));
        }
        file.set_len(0)
            .and_then(|_| io::Seek::rewind(file))
            .and_then(|_| file.write_all(text.as_bytes()))
            .map_err(|e| StoreError::io("write", path, e))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some((path, _file)) = self.file.take() {
            let _ = fs::remove_file(path);
        }
    }
}

fn sessions_dir(store: &Store) -> PathBuf {
    store.root().join(TMP_DIR).join("sessions")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
