//! The container's files, as the container sees them: list, read, write, mkdir, rename,
//! delete, chmod, and copying in from the host and out to it (`strata cp`).
//!
//! Every path is resolved inside the container's root through [`crate::fs::Root`]: `..`
//! stops at the root and a symlink, absolute or relative, is followed from the
//! container's root, never from the host's. Each operation works on handles: the path is
//! resolved once, and what is read, written, renamed or changed is what that resolution
//! found, even while a process in the running container swaps a folder for a symlink to
//! a host folder (the `docker cp` CVE-2018-15664 pattern). Content is opened only for
//! regular files: a device node, a FIFO or a socket is refused by name and never opened,
//! so a save cannot write into a device or block on a FIFO. The last component is not
//! followed where the operation is about the link itself (delete, rename, a listing).
//!
//! Errors name the side at fault: a container path as "the path … in the container", a
//! host path as "the host file …".

// Untrusted trees: every path through crate::fs (see clippy.toml).
#![warn(clippy::disallowed_methods)]

use crate::os_ext::MetadataExt;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

use super::ContainerError;
use crate::fs::{Follow, Handle, Kind, Meta, NotRegular, Parent, Root};

/// One entry of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    /// As seen inside the container: `/etc/motd`.
    pub path: String,
    /// `file`, `dir`, `symlink`, `char`, `block`, `fifo` or `socket`.
    pub kind: String,
    pub size: u64,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Seconds since the epoch.
    pub mtime: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
}

/// Opens the container's root (the store's own folder: trusted).
pub(crate) fn open_root(root: &Path) -> Result<Root, ContainerError> {
    Root::open(root).map_err(|e| ContainerError::io("open the container root", root, e))
}

/// A container-side error: names the path as the container does.
fn in_container(path: &str, err: io::Error) -> ContainerError {
    if let Some(n) = NotRegular::of(&err) {
        return ContainerError::NotRegular {
            path: shown(path),
            what: n.what(),
        };
    }
    let reason = match err.raw_os_error() {
        Some(libc::ENOENT) => "no such file or folder".to_string(),
        Some(libc::ENOTDIR) => "a folder on the way is not a folder".to_string(),
        Some(libc::ELOOP) => "too many levels of symlinks".to_string(),
        Some(libc::EISDIR) => "it is a folder".to_string(),
        Some(libc::ENOTEMPTY) => "the folder is not empty".to_string(),
        Some(libc::EEXIST) => "something is already there".to_string(),
        _ => err.to_string(),
    };
    ContainerError::bad_path(path, reason)
}

/// `path` as the container names it, lexically tidied (`//a/./b` → `/a/b`), for messages
/// and listings; never resolved.
pub(crate) fn shown(path: &str) -> String {
    let mut out = String::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(n) => {
                out.push('/');
                out.push_str(&n.to_string_lossy());
            }
            Component::ParentDir => {
                if let Some(i) = out.rfind('/') {
                    out.truncate(i);
                }
            }
            _ => {}
        }
    }
    if out.is_empty() {
        "/".into()
    } else {
        out
    }
}

fn join_shown(dir: &str, name: &OsStr) -> String {
    let name = name.to_string_lossy();
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// A path that must not be the root itself (delete, rename): its parent and name.
fn parent_of(root: &Root, path: &str) -> Result<Parent, ContainerError> {
    if shown(path) == "/" {
        return Err(ContainerError::bad_path(path, "it is the container's root"));
    }
    root.parent(Path::new(path))
        .map_err(|e| in_container(path, e))
}

fn entry_of(name: &OsStr, path: String, m: &Meta, link: Option<&Parent>) -> FileEntry {
    let link_target = match (m.kind, link) {
        (Kind::Symlink, Some(p)) => p
            .handle()
            .and_then(|h| h.read_link())
            .ok()
            .map(|t| t.to_string_lossy().into_owned()),
        _ => None,
    };
    FileEntry {
        name: if name.is_empty() {
            "/".into()
        } else {
            name.to_string_lossy().into_owned()
        },
        path,
        kind: m.kind.word().to_string(),
        size: if m.kind == Kind::File { m.size } else { 0 },
        mode: m.mode,
        uid: m.uid,
        gid: m.gid,
        mtime: m.mtime,
        link_target,
    }
}

/// What kind of object `path` is in the container (following symlinks), or `None`.
pub fn kind_of(root: &Path, path: &str) -> Option<Kind> {
    let r = open_root(root).ok()?;
    r.stat(Path::new(path), Follow::Yes).ok().map(|m| m.kind)
}

/// A folder's entries, sorted by name; a file's own entry when `path` is a file.
pub fn list(root: &Path, path: &str) -> Result<Vec<FileEntry>, ContainerError> {
    let r = open_root(root)?;
    let shown_path = shown(path);
    let h = r
        .handle(Path::new(path), Follow::Yes)
        .map_err(|e| in_container(path, e))?;
    let m = h.stat().map_err(|e| in_container(path, e))?;
    if m.kind != Kind::Dir {
        let name = Path::new(&shown_path)
            .file_name()
            .unwrap_or_default()
            .to_os_string();
        return Ok(vec![entry_of(&name, shown_path, &m, None)]);
    }
    let mut out = Vec::new();
    for (name, m) in h.read_dir().map_err(|e| in_container(path, e))? {
        let child = h.child(&name).map_err(|e| in_container(path, e))?;
        out.push(entry_of(
            &name,
            join_shown(&shown_path, &name),
            &m,
            Some(&child),
        ));
    }
    Ok(out)
}

/// Streams a regular file's content into `out`; returns the bytes copied.
pub fn read(root: &Path, path: &str, out: &mut dyn Write) -> Result<u64, ContainerError> {
    let r = open_root(root)?;
    let mut f = r
        .open_regular(Path::new(path), Follow::Yes)
        .map_err(|e| in_container(path, e))?;
    io::copy(&mut f, out).map_err(|e| in_container(path, e))
}

/// Text files the editor opens at most: beyond this, an editor in a web view is the wrong
/// tool (copy the file out instead).
pub const MAX_TEXT: u64 = 1 << 20;

/// A text file for an editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextFile {
    /// As the container names it, tidied.
    pub path: String,
    pub text: String,
    /// Permission bits, kept when the file is saved.
    pub mode: u32,
}

/// Reads a regular file as UTF-8 text for an editor: one open through a checked handle,
/// so a device or FIFO is refused ([`ContainerError::NotRegular`]) and never opened; over
/// [`MAX_TEXT`] bytes, or not text, is refused too.
pub fn read_text(root: &Path, path: &str) -> Result<TextFile, ContainerError> {
    let r = open_root(root)?;
    let h = r
        .handle(Path::new(path), Follow::Yes)
        .map_err(|e| in_container(path, e))?;
    let meta = h.stat().map_err(|e| in_container(path, e))?;
    if meta.kind == Kind::File && meta.size > MAX_TEXT {
        return Err(ContainerError::TooLargeToEdit {
            path: shown(path),
            size: meta.size,
            limit: MAX_TEXT,
        });
    }
    let f = h
        .open_regular(crate::fs::OFlags::RDONLY)
        .map_err(|e| in_container(path, e))?;
    // At most one byte past the limit: a file that grew meanwhile is refused too.
    let mut bytes = Vec::new();
    io::Read::take(f, MAX_TEXT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| in_container(path, e))?;
    if bytes.len() as u64 > MAX_TEXT {
        return Err(ContainerError::TooLargeToEdit {
            path: shown(path),
            size: bytes.len() as u64,
            limit: MAX_TEXT,
        });
    }
    let text = String::from_utf8(bytes)
        .ok()
        .filter(|t| !t.contains('\0'))
        .ok_or_else(|| ContainerError::NotText { path: shown(path) })?;
    Ok(TextFile {
        path: shown(path),
        text,
        mode: meta.mode,
    })
}

/// Creates or replaces a regular file with `content`; a new file gets `mode` (0644 by
/// default), an existing one keeps its mode unless `mode` is given. Anything at the path
/// that is not a regular file (a device, a FIFO, a socket, a folder) is refused.
pub fn write(
    root: &Path,
    path: &str,
    content: &mut dyn Read,
    mode: Option<u32>,
) -> Result<u64, ContainerError> {
    let r = open_root(root)?;
    if shown(path) == "/" {
        return Err(ContainerError::bad_path(path, "it is the container's root"));
    }
    let (mut f, created) = r
        .write_regular(Path::new(path), 0o600)
        .map_err(|e| in_container(path, e))?;
    let n = io::copy(content, &mut f).map_err(|e| in_container(path, e))?;
    let h = Handle::from(f);
    match (mode, created) {
        (Some(m), _) => h.set_mode(m),
        (None, true) => h.set_mode(0o644),
        _ => Ok(()),
    }
    .map_err(|e| in_container(path, e))?;
    Ok(n)
}

/// Creates a folder and its missing parents.
pub fn mkdir(root: &Path, path: &str, mode: Option<u32>) -> Result<(), ContainerError> {
    let r = open_root(root)?;
    if let Ok(m) = r.stat(Path::new(path), Follow::Yes) {
        if m.kind == Kind::Dir {
            return Ok(());
        }
    }
    let h = r
        .mkdir_all(Path::new(path), 0o755)
        .map_err(|e| in_container(path, e))?;
    h.set_mode(mode.unwrap_or(0o755))
        .map_err(|e| in_container(path, e))
}

/// Renames (moves) a path inside the container.
pub fn rename(root: &Path, from: &str, to: &str) -> Result<(), ContainerError> {
    let r = open_root(root)?;
    let a = parent_of(&r, from)?;
    let b = parent_of(&r, to)?;
    a.rename_to(&b).map_err(|e| in_container(from, e))
}

/// Deletes a file, a symlink (not its target) or a whole folder.
pub fn delete(root: &Path, path: &str) -> Result<(), ContainerError> {
    let r = open_root(root)?;
    let p = parent_of(&r, path)?;
    match p.stat().map_err(|e| in_container(path, e))? {
        None => Err(in_container(path, io::ErrorKind::NotFound.into())),
        Some(_) => p.remove_all().map_err(|e| in_container(path, e)),
    }
}

/// Changes a path's permission bits.
pub fn chmod(root: &Path, path: &str, mode: u32) -> Result<(), ContainerError> {
    let r = open_root(root)?;
    r.handle(Path::new(path), Follow::Yes)
        .and_then(|h| h.set_mode(mode))
        .map_err(|e| in_container(path, e))
}

/// Copies `src` from the host into the container, as `docker cp SRC NAME:DEST` does:
/// into `dest` when it is an existing folder, else as `dest`. Folders are copied whole;
/// symlinks are copied as links; hard links inside the copy stay linked; modes and
/// mtimes are kept; owners become root (docker cp's default), when we are root.
/// Returns the container paths created, top first.
pub fn copy_in(root: &Path, src: &Path, dest: &str) -> Result<Vec<String>, ContainerError> {
    let src_meta =
        host::lstat(src).map_err(|e| ContainerError::io("read the host file", src, e))?;
    let r = open_root(root)?;
    let into_dir = r
        .stat(Path::new(dest), Follow::Yes)
        .is_ok_and(|m| m.kind == Kind::Dir);
    let target = if into_dir {
        let name = src.file_name().ok_or_else(|| {
            ContainerError::io(
                "copy the host path",
                src,
                io::Error::new(io::ErrorKind::InvalidInput, "it has no file name"),
            )
        })?;
        join_shown(&shown(dest), name)
    } else {
        shown(dest)
    };
    let parent = parent_of(&r, &target).map_err(|e| match e {
        ContainerError::BadPath { path, reason } if reason == "no such file or folder" => {
            ContainerError::BadPath {
                path,
                reason: "its folder does not exist in the container".into(),
            }
        }
        e => e,
    })?;
    let mut copy = CopyIn {
        created: Vec::new(),
        links: HashMap::new(),
        as_root: super::layers::is_root(),
    };
    copy.tree(src, &src_meta, &parent, &target)?;
    Ok(copy.created)
}

struct CopyIn {
    created: Vec<String>,
    /// Host (device, inode) of a multiply-linked file → the handle of its first copy.
    links: HashMap<(u64, u64), Handle>,
    as_root: bool,
}

impl CopyIn {
    fn tree(
        &mut self,
        src: &Path,
        meta: &fs::Metadata,
        dest: &Parent,
        shown_dest: &str,
    ) -> Result<(), ContainerError> {
        let err = |e: io::Error| in_container(shown_dest, e);
        let ft = meta.file_type();
        if !(ft.is_file() || ft.is_dir() || ft.is_symlink()) {
            // Devices, fifos and sockets from the host are not something to copy in.
            return Ok(());
        }
        let existing = dest.stat().map_err(err)?;
        if existing
            .as_ref()
            .is_some_and(|m| !(m.kind == Kind::Dir && ft.is_dir()))
        {
            dest.remove_all().map_err(err)?;
        }
        self.created.push(shown_dest.to_string());
        let handle = if ft.is_dir() {
            if existing.as_ref().is_none_or(|m| m.kind != Kind::Dir) {
                dest.mkdir(0o700).map_err(err)?;
            }
            let h = dest.handle().map_err(err)?;
            let names =
                host::list(src).map_err(|e| ContainerError::io("list the host folder", src, e))?;
            for name in names {
                let path = src.join(&name);
                let m = host::lstat(&path)
                    .map_err(|e| ContainerError::io("read the host file", &path, e))?;
                let child = h.child(&name).map_err(err)?;
                self.tree(&path, &m, &child, &join_shown(shown_dest, &name))?;
            }
            h
        } else if ft.is_symlink() {
            let target = host::read_link(src)
                .map_err(|e| ContainerError::io("read the host symlink", src, e))?;
            dest.symlink(&target).map_err(err)?;
            dest.handle().map_err(err)?
        } else {
            let key = (meta.dev(), meta.ino());
            if meta.nlink() > 1 {
                if let Some(first) = self.links.get(&key) {
                    return dest.link_to(first).map_err(err);
                }
            }
            let mut from =
                host::open(src).map_err(|e| ContainerError::io("read the host file", src, e))?;
            let mut to = dest.create_new(0o600).map_err(err)?;
            io::copy(&mut from, &mut to)
                .map_err(|e| ContainerError::io("copy the host file", src, e))?;
            let h = Handle::from(to);
            if meta.nlink() > 1 {
                self.links.insert(key, dest.handle().map_err(err)?);
            }
            h
        };
        if self.as_root {
            handle.set_owner(0, 0).map_err(err)?;
        }
        if !ft.is_symlink() {
            handle.set_mode(meta.mode()).map_err(err)?;
        }
        let mtime = filetime::FileTime::from_last_modification_time(meta);
        if ft.is_symlink() {
            dest.set_times(mtime.unix_seconds(), mtime.nanoseconds())
        } else {
            handle.set_times(mtime.unix_seconds(), mtime.nanoseconds())
        }
        .map_err(err)
    }
}

/// Copies a file or folder out of the container to the host (`docker cp NAME:SRC DEST`).
/// Inside the container everything is read through handles: regular files, folders and
/// symlinks (as links) are copied; devices, FIFOs and sockets are skipped, never opened.
pub fn copy_out(root: &Path, src: &str, dest: &Path) -> Result<(), ContainerError> {
    let r = open_root(root)?;
    let h = r
        .handle(Path::new(src), Follow::Yes)
        .map_err(|e| in_container(src, e))?;
    // Asked for by name, a device, FIFO or socket is an error; inside a folder, skipped.
    let kind = h.stat().map_err(|e| in_container(src, e))?.kind;
    if !matches!(kind, Kind::File | Kind::Dir | Kind::Symlink) {
        return Err(in_container(src, crate::fs::not_regular(kind)));
    }
    let target = if host::is_dir(dest) {
        let name = Path::new(&shown(src))
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "rootfs".into());
        dest.join(name)
    } else {
        dest.to_path_buf()
    };
    copy_out_tree(&h, &shown(src), &target)
}

fn copy_out_tree(h: &Handle, shown_src: &str, dest: &Path) -> Result<(), ContainerError> {
    let err = |e: io::Error| in_container(shown_src, e);
    let host_err = |action: &'static str| move |e: io::Error| ContainerError::io(action, dest, e);
    let m = h.stat().map_err(err)?;
    if !matches!(m.kind, Kind::File | Kind::Dir | Kind::Symlink) {
        return Ok(());
    }
    host::make_room(dest, m.kind == Kind::Dir).map_err(host_err("replace the host file"))?;
    match m.kind {
        Kind::Dir => {
            if !host::is_dir(dest) {
                host::mkdir(dest).map_err(host_err("create the host folder"))?;
            }
            for (name, _) in h.read_dir().map_err(err)? {
                let child = h.child(&name).and_then(|p| p.handle()).map_err(err)?;
                copy_out_tree(&child, &join_shown(shown_src, &name), &dest.join(&name))?;
            }
        }
        Kind::Symlink => {
            let target = h.read_link().map_err(err)?;
            host::symlink(&target, dest).map_err(host_err("create the host symlink"))?;
            return Ok(());
        }
        _ => {
            let mut from = h.open_regular(crate::fs::OFlags::RDONLY).map_err(err)?;
            let mut to = host::create_new(dest).map_err(host_err("create the host file"))?;
            io::copy(&mut from, &mut to).map_err(host_err("write the host file"))?;
        }
    }
    // No setuid, setgid or sticky bit reaches the host from a container.
    host::finish(dest, m.mode & 0o777, m.mtime, m.mtime_nsec)
        .map_err(host_err("set the mode and time of the host file"))
}

/// The host side of `cp`: paths the person named (a source to copy in, a destination to
/// copy out to), the only plain path operations in this module. The names below them
/// come from the container's listing: single components, never `..`.
#[allow(clippy::disallowed_methods)]
mod host {
    use std::ffi::OsString;
    use std::fs;
    use std::io;
    use std::path::{Path, PathBuf};

    pub fn lstat(p: &Path) -> io::Result<fs::Metadata> {
        fs::symlink_metadata(p)
    }

    pub fn is_dir(p: &Path) -> bool {
        p.is_dir()
    }

    /// The names in a host folder, sorted.
    pub fn list(p: &Path) -> io::Result<Vec<OsString>> {
        let mut names: Vec<OsString> = fs::read_dir(p)?
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        names.sort();
        Ok(names)
    }

    pub fn read_link(p: &Path) -> io::Result<PathBuf> {
        fs::read_link(p)
    }

    pub fn open(p: &Path) -> io::Result<fs::File> {
        fs::File::open(p)
    }

    /// Removes what is at `p` unless it is a folder and a folder comes.
    pub fn make_room(p: &Path, dir_comes: bool) -> io::Result<()> {
        match fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() && dir_comes => Ok(()),
            Ok(m) if m.is_dir() => fs::remove_dir_all(p),
            Ok(_) => fs::remove_file(p),
            Err(_) => Ok(()),
        }
    }

    pub fn mkdir(p: &Path) -> io::Result<()> {
        fs::create_dir(p)
    }

    #[cfg(unix)]
    pub fn symlink(target: &Path, p: &Path) -> io::Result<()> {
        std::os::unix::fs::symlink(target, p)
    }

    #[cfg(not(unix))]
    pub fn symlink(_target: &Path, p: &Path) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "cannot make the symlink {}: not on this system",
                p.display()
            ),
        ))
    }

    pub fn create_new(p: &Path) -> io::Result<fs::File> {
        fs::File::create_new(p)
    }

    pub fn finish(p: &Path, mode: u32, mtime: i64, nsec: u32) -> io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(p, fs::Permissions::from_mode(mode))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        filetime::set_file_mtime(p, filetime::FileTime::from_unix_time(mtime, nsec))
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_cannot_leave_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let outside = dir.path().join("outside");
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(root.join("etc/passwd"), "inside").unwrap();
        fs::write(outside.join("passwd"), "outside").unwrap();
        std::os::unix::fs::symlink("/etc", root.join("abs")).unwrap();
        std::os::unix::fs::symlink("../../../../..", root.join("up")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("host")).unwrap();
        for input in ["/abs/passwd", "up/etc/passwd", "../../etc/passwd"] {
            let mut got = Vec::new();
            read(&root, input, &mut got).unwrap();
            assert_eq!(got, b"inside", "{input}");
        }
        // A symlink to a host path names that path inside the root, where it is not.
        assert!(read(&root, "/host/passwd", &mut Vec::new()).is_err());
        write(&root, "/up/etc/x", &mut &b"new"[..], None).unwrap();
        assert_eq!(fs::read_to_string(root.join("etc/x")).unwrap(), "new");
        // Not following the last component: the link itself.
        let listed = list(&root, "/").unwrap();
        let abs = listed.iter().find(|e| e.name == "abs").unwrap();
        assert_eq!(
            (abs.kind.as_str(), abs.link_target.as_deref()),
            ("symlink", Some("/etc"))
        );
        delete(&root, "/host").unwrap();
        assert_eq!(
            fs::read_to_string(outside.join("passwd")).unwrap(),
            "outside"
        );
    }

    #[test]
    fn symlink_loops_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("b", dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
        let e = read(dir.path(), "/a/x", &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("too many levels of symlinks"), "{e}");
    }

    #[test]
    fn only_regular_files_are_read_or_written() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        // Neither blocks (a FIFO with no writer would block a plain open forever).
        let e = read(dir.path(), "/fifo", &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
        let e = write(dir.path(), "/fifo", &mut &b"x"[..], None).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert!(fs::symlink_metadata(&fifo).is_ok());
    }

    #[test]
    fn errors_name_the_side_at_fault() {
        let dir = tempfile::tempdir().unwrap();
        let host = dir.path().join("file.txt");
        fs::write(&host, "x").unwrap();
        let root = dir.path().join("root");
        fs::create_dir(&root).unwrap();
        let e = copy_in(&root, &host, "/missing/dir/x")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/missing/dir/x") && e.contains("in the container"),
            "{e}"
        );
        assert!(!e.contains("file.txt"), "{e}");
        let e = copy_in(&root, &dir.path().join("nope"), "/")
            .unwrap_err()
            .to_string();
        assert!(e.contains("host file") && e.contains("nope"), "{e}");
    }

    #[test]
    fn files_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        mkdir(root, "/srv/www", None).unwrap();
        write(root, "/srv/www/index.html", &mut &b"<h1>hi</h1>"[..], None).unwrap();
        let mut got = Vec::new();
        read(root, "/srv/www/index.html", &mut got).unwrap();
        assert_eq!(got, b"<h1>hi</h1>");
        chmod(root, "/srv/www/index.html", 0o600).unwrap();
        rename(root, "/srv/www/index.html", "/srv/index.html").unwrap();
        let names: Vec<_> = list(root, "/srv")
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.kind, e.mode, e.path))
            .collect();
        assert_eq!(
            names,
            vec![
                (
                    "index.html".into(),
                    "file".into(),
                    0o600,
                    "/srv/index.html".into()
                ),
                ("www".into(), "dir".into(), 0o755, "/srv/www".into())
            ]
        );
        delete(root, "/srv").unwrap();
        assert!(!root.join("srv").exists());
        assert!(delete(root, "/").is_err());
    }
}
