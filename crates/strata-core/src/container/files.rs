//! The container's files, as the container sees them: list, read, write, mkdir, rename,
//! delete, chmod, and copying from the host (`strata cp`).
//!
//! Every path is resolved inside the container's root the way the container would
//! resolve it: `..` stops at the root and a symlink, absolute or relative, is followed
//! from the container's root, never from the host's (as `chroot` and docker's
//! `FollowSymlinkInScope` do). So no path, however crafted, reaches outside the container.
//! The last component is not followed where the operation is about the link itself
//! (delete, rename, lstat in a listing).

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::baseline::kind_letter;
use super::ContainerError;

/// Symlinks followed for one path at most (Linux's own limit).
const MAX_HOPS: usize = 40;

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

/// Resolves `path` (as the container names it) to a host path under `root`.
/// `follow_last`: whether a symlink in the last component is followed.
pub fn resolve(root: &Path, path: &str, follow_last: bool) -> Result<PathBuf, ContainerError> {
    let mut queue: VecDeque<OsString> = components(Path::new(path));
    let mut real: Vec<OsString> = Vec::new();
    let mut hops = 0;
    while let Some(name) = queue.pop_front() {
        if name == ".." {
            real.pop();
            continue;
        }
        let mut candidate: PathBuf = root.to_path_buf();
        candidate.extend(&real);
        candidate.push(&name);
        let last = queue.is_empty();
        match fs::symlink_metadata(&candidate) {
            Ok(m) if m.file_type().is_symlink() && (!last || follow_last) => {
                hops += 1;
                if hops > MAX_HOPS {
                    return Err(ContainerError::bad_path(
                        path,
                        "too many levels of symlinks",
                    ));
                }
                let target = fs::read_link(&candidate)
                    .map_err(|e| ContainerError::io("read the symlink", &candidate, e))?;
                if target.is_absolute() {
                    real.clear();
                }
                let mut next = components(&target);
                next.extend(queue);
                queue = next;
            }
            _ => real.push(name),
        }
    }
    let mut out = root.to_path_buf();
    out.extend(&real);
    Ok(out)
}

fn components(p: &Path) -> VecDeque<OsString> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

/// A path that must not be the root itself (delete, rename).
fn not_root(root: &Path, resolved: &Path, shown: &str) -> Result<(), ContainerError> {
    if resolved == root {
        return Err(ContainerError::bad_path(
            shown,
            "it is the container's root",
        ));
    }
    Ok(())
}

fn inside(root: &Path, abs: &Path) -> String {
    format!("/{}", abs.strip_prefix(root).unwrap_or(abs).display())
}

pub(crate) fn entry(root: &Path, abs: &Path) -> Result<FileEntry, ContainerError> {
    let m = fs::symlink_metadata(abs).map_err(|e| ContainerError::io("read", abs, e))?;
    let link_target = if m.file_type().is_symlink() {
        fs::read_link(abs)
            .ok()
            .map(|t| t.to_string_lossy().into_owned())
    } else {
        None
    };
    Ok(FileEntry {
        name: abs
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "/".into()),
        path: inside(root, abs),
        kind: match kind_letter(&m.file_type()) {
            b'd' => "dir",
            b'l' => "symlink",
            b'c' => "char",
            b'b' => "block",
            b'p' => "fifo",
            b's' => "socket",
            _ => "file",
        }
        .to_string(),
        size: if m.is_file() { m.len() } else { 0 },
        mode: m.mode() & 0o7777,
        uid: m.uid(),
        gid: m.gid(),
        mtime: m.mtime(),
        link_target,
    })
}

/// A folder's entries, sorted by name; a file's own entry when `path` is a file.
pub fn list(root: &Path, path: &str) -> Result<Vec<FileEntry>, ContainerError> {
    let abs = resolve(root, path, true)?;
    let m = fs::symlink_metadata(&abs).map_err(|e| ContainerError::io("read", &abs, e))?;
    if !m.is_dir() {
        return Ok(vec![entry(root, &abs)?]);
    }
    let mut out = Vec::new();
    for item in fs::read_dir(&abs).map_err(|e| ContainerError::io("list", &abs, e))? {
        let item = item.map_err(|e| ContainerError::io("list", &abs, e))?;
        out.push(entry(root, &item.path())?);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Streams a file's content into `out`; returns the bytes copied.
pub fn read(root: &Path, path: &str, out: &mut dyn Write) -> Result<u64, ContainerError> {
    let abs = resolve(root, path, true)?;
    let mut f = fs::File::open(&abs).map_err(|e| ContainerError::io("open", &abs, e))?;
    io::copy(&mut f, out).map_err(|e| ContainerError::io("read", &abs, e))
}

/// Creates or replaces a file with `content`; a new file gets `mode` (0644 by default),
/// an existing one keeps its mode unless `mode` is given.
pub fn write(
    root: &Path,
    path: &str,
    content: &mut dyn Read,
    mode: Option<u32>,
) -> Result<u64, ContainerError> {
    let abs = resolve(root, path, true)?;
    not_root(root, &abs, path)?;
    let existed = abs.is_file();
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&abs)
        .map_err(|e| ContainerError::io("write", &abs, e))?;
    let n = io::copy(content, &mut f).map_err(|e| ContainerError::io("write", &abs, e))?;
    match (mode, existed) {
        (Some(m), _) => chmod_abs(&abs, m)?,
        (None, false) => chmod_abs(&abs, 0o644)?,
        _ => {}
    }
    Ok(n)
}

/// Creates a folder and its missing parents.
pub fn mkdir(root: &Path, path: &str, mode: Option<u32>) -> Result<(), ContainerError> {
    let abs = resolve(root, path, true)?;
    if abs.is_dir() {
        return Ok(());
    }
    // Parents are resolved one by one, so that a symlinked parent stays inside the root.
    if let Some(parent) = Path::new(path).parent() {
        let parent = parent.to_string_lossy();
        if !parent.is_empty() && parent != "/" {
            mkdir(root, &parent, None)?;
        }
    }
    let abs = resolve(root, path, true)?;
    fs::create_dir(&abs).map_err(|e| ContainerError::io("create", &abs, e))?;
    chmod_abs(&abs, mode.unwrap_or(0o755))
}

/// Renames (moves) a path inside the container.
pub fn rename(root: &Path, from: &str, to: &str) -> Result<(), ContainerError> {
    let a = resolve(root, from, false)?;
    let b = resolve(root, to, false)?;
    not_root(root, &a, from)?;
    not_root(root, &b, to)?;
    fs::rename(&a, &b).map_err(|e| ContainerError::io("rename", &a, e))
}

/// Deletes a file, a symlink (not its target) or a whole folder.
pub fn delete(root: &Path, path: &str) -> Result<(), ContainerError> {
    let abs = resolve(root, path, false)?;
    not_root(root, &abs, path)?;
    let m = fs::symlink_metadata(&abs).map_err(|e| ContainerError::io("delete", &abs, e))?;
    if m.is_dir() {
        fs::remove_dir_all(&abs)
    } else {
        fs::remove_file(&abs)
    }
    .map_err(|e| ContainerError::io("delete", &abs, e))
}

/// Changes a path's permission bits.
pub fn chmod(root: &Path, path: &str, mode: u32) -> Result<(), ContainerError> {
    let abs = resolve(root, path, true)?;
    chmod_abs(&abs, mode)
}

fn chmod_abs(abs: &Path, mode: u32) -> Result<(), ContainerError> {
    fs::set_permissions(abs, fs::Permissions::from_mode(mode & 0o7777))
        .map_err(|e| ContainerError::io("set the mode of", abs, e))
}

/// Copies `src` from the host into the container, as `docker cp SRC NAME:DEST` does:
/// into `dest` when it is an existing folder, else as `dest`. Folders are copied whole;
/// symlinks are copied as links; hard links inside the copy stay linked; modes and
/// mtimes are kept; owners become root (docker cp's default), when we are root.
/// Returns the container paths created, top first.
pub fn copy_in(root: &Path, src: &Path, dest: &str) -> Result<Vec<String>, ContainerError> {
    let src_meta = fs::symlink_metadata(src).map_err(|e| ContainerError::io("read", src, e))?;
    let dest_abs = resolve(root, dest, true)?;
    let target = if dest_abs.is_dir() {
        let name = src
            .file_name()
            .ok_or_else(|| ContainerError::bad_path(&src.display().to_string(), "no file name"))?;
        dest_abs.join(name)
    } else {
        dest_abs
    };
    if target == root {
        return Err(ContainerError::bad_path(dest, "it is the container's root"));
    }
    let mut created = Vec::new();
    let mut links: HashMap<(u64, u64), PathBuf> = HashMap::new();
    copy_tree(src, &src_meta, &target, &mut links)?;
    // The copy may itself be a symlink (to `/`, say): list it, never what it points at.
    for item in walkdir::WalkDir::new(&target)
        .follow_links(false)
        .follow_root_links(false)
    {
        let item = item.map_err(|e| ContainerError::io("read", &target, e.into()))?;
        created.push(inside(root, item.path()));
    }
    Ok(created)
}

/// Copies a file out of the container to the host (`docker cp NAME:SRC DEST`).
pub fn copy_out(root: &Path, src: &str, dest: &Path) -> Result<(), ContainerError> {
    let abs = resolve(root, src, true)?;
    let meta = fs::symlink_metadata(&abs).map_err(|e| ContainerError::io("read", &abs, e))?;
    let target = if dest.is_dir() {
        let name = abs
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| OsString::from("rootfs"));
        dest.join(name)
    } else {
        dest.to_path_buf()
    };
    copy_tree(&abs, &meta, &target, &mut HashMap::new())
}

fn copy_tree(
    src: &Path,
    meta: &fs::Metadata,
    dest: &Path,
    links: &mut HashMap<(u64, u64), PathBuf>,
) -> Result<(), ContainerError> {
    let ft = meta.file_type();
    if fs::symlink_metadata(dest).is_ok_and(|m| !m.is_dir() || !ft.is_dir()) {
        let m = fs::symlink_metadata(dest).map_err(|e| ContainerError::io("read", dest, e))?;
        if m.is_dir() {
            fs::remove_dir_all(dest)
        } else {
            fs::remove_file(dest)
        }
        .map_err(|e| ContainerError::io("replace", dest, e))?;
    }
    if ft.is_dir() {
        if !dest.is_dir() {
            fs::create_dir(dest).map_err(|e| ContainerError::io("create", dest, e))?;
        }
        let mut names: Vec<_> = fs::read_dir(src)
            .map_err(|e| ContainerError::io("list", src, e))?
            .filter_map(Result::ok)
            .collect();
        names.sort_by_key(|e| e.file_name());
        for item in names {
            let m = fs::symlink_metadata(item.path())
                .map_err(|e| ContainerError::io("read", &item.path(), e))?;
            copy_tree(&item.path(), &m, &dest.join(item.file_name()), links)?;
        }
    } else if ft.is_symlink() {
        let target = fs::read_link(src).map_err(|e| ContainerError::io("read", src, e))?;
        std::os::unix::fs::symlink(&target, dest)
            .map_err(|e| ContainerError::io("create", dest, e))?;
    } else if ft.is_file() {
        let key = (meta.dev(), meta.ino());
        if meta.nlink() > 1 {
            if let Some(first) = links.get(&key) {
                return fs::hard_link(first, dest).map_err(|e| ContainerError::io("link", dest, e));
            }
            links.insert(key, dest.to_path_buf());
        }
        fs::copy(src, dest).map_err(|e| ContainerError::io("copy", src, e))?;
    } else {
        // Devices, fifos and sockets from the host are not something to copy in.
        return Ok(());
    }
    if !ft.is_symlink() {
        chmod_abs(dest, meta.mode())?;
    }
    if super::layers::is_root() {
        std::os::unix::fs::lchown(dest, Some(0), Some(0))
            .map_err(|e| ContainerError::io("set the owner of", dest, e))?;
    }
    let mtime = filetime::FileTime::from_last_modification_time(meta);
    filetime::set_symlink_file_times(dest, mtime, mtime)
        .map_err(|e| ContainerError::io("set the times of", dest, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_cannot_leave_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        fs::create_dir_all(root.join("etc")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("abs")).unwrap();
        std::os::unix::fs::symlink("../../../../..", root.join("up")).unwrap();
        let cases = [
            ("/abs/passwd", root.join("etc/passwd")),
            ("up/etc/passwd", root.join("etc/passwd")),
            ("../../etc/x", root.join("etc/x")),
            ("/", root.clone()),
        ];
        for (input, want) in cases {
            assert_eq!(resolve(&root, input, true).unwrap(), want, "{input}");
        }
        // Not following the last component: the link itself.
        assert_eq!(resolve(&root, "/abs", false).unwrap(), root.join("abs"));
    }

    #[test]
    fn symlink_loops_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("b", dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
        assert!(resolve(dir.path(), "/a/x", true).is_err());
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
            .map(|e| (e.name, e.kind, e.mode))
            .collect();
        assert_eq!(
            names,
            vec![
                ("index.html".into(), "file".into(), 0o600),
                ("www".into(), "dir".into(), 0o755)
            ]
        );
        delete(root, "/srv").unwrap();
        assert!(!root.join("srv").exists());
        assert!(delete(root, "/").is_err());
    }
}
