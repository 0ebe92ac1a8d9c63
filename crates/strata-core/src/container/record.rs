//! `<root>/containers/<id>/container.json`: what a container is, kept on disk so that a
//! container survives a restart of the app. The store reads `image_digest` and `name`
//! from it (see [`Store::holders`](crate::store::Store::holders)) so that `rmi` refuses an
//! image a container uses.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ContainerError;
use crate::digest::Digest;

/// The file name inside a container's folder.
pub const RECORD_FILE: &str = "container.json";

/// How the container's writable layer is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// An overlayfs mount: lower = the cached layer folders, upper = the writable layer.
    Overlay,
    /// A merged copy of the image plus a recorded baseline to diff against.
    Baseline,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Overlay => "overlay",
            Mode::Baseline => "baseline",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = ContainerError;
    fn from_str(s: &str) -> Result<Mode, ContainerError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "overlay" | "overlayfs" => Ok(Mode::Overlay),
            "baseline" | "copy" => Ok(Mode::Baseline),
            _ => Err(ContainerError::BadMode(s.to_string())),
        }
    }
}

/// One container, as `strata ps` and the Containers screen show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerInfo {
    /// 64 hex digits; the first 12 are shown.
    pub id: String,
    pub name: String,
    /// The image as the user named it, normalised (`docker.io/library/busybox:latest`).
    pub image: String,
    /// The manifest or index the name pointed at when the container was created.
    pub image_digest: Digest,
    /// The platform's manifest (the same as `image_digest` unless that is an index).
    pub manifest_digest: Digest,
    /// RFC 3339.
    pub created: String,
    pub mode: Mode,
    /// The layers' diff_ids, bottom first.
    pub layers: Vec<Digest>,
}

impl ContainerInfo {
    /// The first 12 hex digits of the ID.
    pub fn short_id(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }

    pub(crate) fn read(dir: &Path) -> Result<ContainerInfo, ContainerError> {
        let path = dir.join(RECORD_FILE);
        let bytes = fs::read(&path).map_err(|e| ContainerError::io("read", &path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| ContainerError::Corrupt {
            path,
            reason: e.to_string(),
        })
    }

    /// Writes the record atomically (temp file, fsync, rename), so that a crash leaves the
    /// old record or the new one.
    pub(crate) fn write(&self, dir: &Path) -> Result<(), ContainerError> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| ContainerError::Corrupt {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        write_atomic(&dir.join(RECORD_FILE), &bytes)
    }
}

/// Replaces `dest` with `bytes` by way of a temporary file beside it.
pub(crate) fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), ContainerError> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".write-")
        .tempfile_in(dir)
        .map_err(|e| ContainerError::io("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| ContainerError::io("write", tmp.path(), e))?;
    tmp.persist(dest)
        .map_err(|e| ContainerError::io("replace", dest, e.error))?;
    Ok(())
}

/// Container names: docker's grammar, `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, at most 128 bytes.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 128
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_docker() {
        for ok in ["web", "a", "my_box.1-x", "0abc"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "-x", "_x", "a b", "a/b", "é", &"x".repeat(129)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn modes_parse() {
        assert_eq!("overlay".parse::<Mode>().unwrap(), Mode::Overlay);
        assert_eq!("Baseline".parse::<Mode>().unwrap(), Mode::Baseline);
        assert!("zfs".parse::<Mode>().is_err());
    }
}
