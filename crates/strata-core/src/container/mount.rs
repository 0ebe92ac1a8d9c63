//! The overlayfs mount of an overlay container ([overlayfs]): `lowerdir` = the cached
//! layer folders (top first), `upperdir` = the container's writable layer, `workdir` =
//! overlayfs's scratch folder, mounted on the container's `rootfs`.
//!
//! `redirect_dir=off` and `metacopy=off` keep the upper folder a plain tree that a commit
//! can read: with them on, a renamed directory or a `chmod` would leave only a pointer to
//! the lower file there. Mounts do not survive a reboot; [`Container::root`](super::Container::root)
//! mounts again when needed ("re-mount lazily").
//!
//! The mount is `nosuid` and `nodev` ([`FLAGS`]): the host reads and writes the merged tree
//! (files, diff, commit), and a setuid file or a device node from an image must do nothing
//! there. The runtime's bind of the root keeps both flags inside the container too, where
//! runc mounts its own `/dev` and no-new-privileges already makes setuid files inert.
//! [`harden`] adds them to a mount made before they were used.
//!
//! [overlayfs]: https://docs.kernel.org/filesystems/overlayfs.html

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The kernel refuses mount options longer than a page.
const MAX_OPTIONS: usize = 4000;

/// Mount flags of every overlay: setuid bits and device nodes of an image do nothing.
pub(crate) const FLAGS: libc::c_ulong = libc::MS_NOSUID | libc::MS_NODEV;

/// Whether `dir` is a mount point (its device differs from its parent's).
pub(crate) fn is_mounted(dir: &Path) -> bool {
    let (Ok(me), Some(Ok(parent))) = (
        std::fs::symlink_metadata(dir),
        dir.parent().map(std::fs::symlink_metadata),
    ) else {
        return false;
    };
    me.dev() != parent.dev()
}

/// Mounts the overlay. `lowers` are bottom first, as the image lists them.
pub(crate) fn mount(
    lowers: &[PathBuf],
    upper: &Path,
    work: &Path,
    target: &Path,
) -> Result<(), String> {
    if lowers.is_empty() {
        return Err("an image with no layers cannot be mounted".into());
    }
    let mut parts = Vec::new();
    for p in lowers.iter().rev() {
        parts.push(option_path(p)?);
    }
    let options = format!(
        "lowerdir={},upperdir={},workdir={},redirect_dir=off,metacopy=off,index=off",
        parts.join(":"),
        option_path(upper)?,
        option_path(work)?,
    );
    if options.len() > MAX_OPTIONS {
        return Err(format!(
            "{} layers make the mount options too long for the kernel",
            lowers.len()
        ));
    }
    let source = CString::new("overlay").map_err(|e| e.to_string())?;
    let fstype = CString::new("overlay").map_err(|e| e.to_string())?;
    let target_c = CString::new(target.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    let data = CString::new(options).map_err(|e| e.to_string())?;
    // SAFETY: every pointer is a valid NUL-terminated string that outlives the call.
    let rc = unsafe {
        libc::mount(
            source.as_ptr(),
            target_c.as_ptr(),
            fstype.as_ptr(),
            FLAGS,
            data.as_ptr().cast(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error().to_string());
    }
    Ok(())
}

/// Whether the mount at `target` is `nosuid` and `nodev`.
pub(crate) fn is_hardened(target: &Path) -> Result<bool, String> {
    let c = CString::new(target.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: statvfs is plain data; `c` is a valid NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above; statvfs writes only `st`.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(io::Error::last_os_error().to_string());
    }
    let want = libc::ST_NOSUID | libc::ST_NODEV;
    Ok(st.f_flag & want == want)
}

/// Adds `nosuid` and `nodev` to the mount at `target` when it lacks them (an overlay
/// mounted by an older version), keeping it read-write.
pub(crate) fn harden(target: &Path) -> Result<(), String> {
    if is_hardened(target)? {
        return Ok(());
    }
    let c = CString::new(target.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: `c` is a valid NUL-terminated path; the other pointers may be null for a
    // remount of the mount's flags.
    let rc = unsafe {
        libc::mount(
            std::ptr::null(),
            c.as_ptr(),
            std::ptr::null(),
            libc::MS_REMOUNT | libc::MS_BIND | FLAGS,
            std::ptr::null(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error().to_string());
    }
    Ok(())
}

/// Unmounts (lazily: a process still inside keeps its view until it leaves).
pub(crate) fn unmount(target: &Path) -> Result<(), String> {
    let c = CString::new(target.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: `c` is a valid NUL-terminated path.
    let rc = unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
    if rc != 0 {
        return Err(io::Error::last_os_error().to_string());
    }
    Ok(())
}

/// overlayfs separates options with `,` and layers with `:`; a path holding either (or a
/// backslash, its escape) cannot be passed. Made absolute: the kernel would read a relative
/// one against the mounting process's working folder (a relative `--home`).
fn option_path(p: &Path) -> Result<String, String> {
    let p = std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let s = p
        .to_str()
        .ok_or_else(|| format!("{} is not UTF-8", p.display()))?;
    if s.contains([',', ':', '\\']) {
        return Err(format!(
            "{s} contains ',', ':' or '\\', which overlayfs options cannot hold"
        ));
    }
    Ok(s.to_string())
}
