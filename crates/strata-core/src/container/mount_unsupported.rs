//! No overlay mounts outside Linux (overlayfs is Linux's): nothing is ever mounted, and a
//! container, which would need one, is never made there ([`Containers::create_with`]
//! stops first).
//!
//! [`Containers::create_with`]: super::Containers::create_with

use std::path::{Path, PathBuf};

/// Nothing is mounted here.
pub(crate) fn is_mounted(_dir: &Path) -> bool {
    false
}

pub(crate) fn mount(
    _lowers: &[PathBuf],
    _upper: &Path,
    _work: &Path,
    _target: &Path,
) -> Result<(), String> {
    Err(crate::fs::unsupported_reason())
}

pub(crate) fn harden(_target: &Path) -> Result<(), String> {
    Err(crate::fs::unsupported_reason())
}

pub(crate) fn unmount(_target: &Path) -> Result<(), String> {
    Err(crate::fs::unsupported_reason())
}
