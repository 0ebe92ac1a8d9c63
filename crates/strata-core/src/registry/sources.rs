//! Where blobs were last seen on registries, so that a push can mount a blob from a
//! sibling repository instead of uploading it ([OCI distribution spec § mounting a blob]).
//!
//! Kept in `<store>/registry-cache.json` as `{"blobs": {"sha256:…": ["host/repo", …]}}`,
//! newest first, a few repositories per blob. It is a hint only: a wrong entry costs one
//! mount request that the registry answers with 202 (then the blob is uploaded), and a
//! lost update (two processes writing at once) costs one upload. Pulls and pushes both
//! add to it.
//!
//! [OCI distribution spec § mounting a blob]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#mounting-a-blob-from-another-repository

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

pub const FILE_NAME: &str = "registry-cache.json";
/// Repositories remembered per blob.
const PER_BLOB: usize = 4;
/// Blobs remembered in all; the oldest-inserted are dropped beyond this.
const MAX_BLOBS: usize = 20_000;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BlobSources {
    #[serde(default)]
    blobs: BTreeMap<String, Vec<String>>,
}

impl BlobSources {
    fn path(root: &Path) -> PathBuf {
        root.join(FILE_NAME)
    }

    /// Loads the cache; a missing or unreadable one is empty (it is only a hint).
    pub fn load(root: &Path) -> BlobSources {
        std::fs::read(Self::path(root))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Repositories of `registry` other than `except` known to hold the blob, newest first.
    pub fn candidates(&self, registry: &str, digest: &Digest, except: &str) -> Vec<String> {
        let prefix = format!("{registry}/");
        self.blobs
            .get(&digest.to_string())
            .into_iter()
            .flatten()
            .filter_map(|name| name.strip_prefix(&prefix))
            .filter(|repo| *repo != except)
            .map(str::to_string)
            .collect()
    }

    /// Whether `repository` on `registry` is remembered as holding the blob.
    pub fn holds(&self, registry: &str, repository: &str, digest: &Digest) -> bool {
        let name = format!("{registry}/{repository}");
        self.blobs
            .get(&digest.to_string())
            .is_some_and(|list| list.contains(&name))
    }

    fn add(&mut self, registry: &str, repository: &str, digest: &Digest) {
        let name = format!("{registry}/{repository}");
        let list = self.blobs.entry(digest.to_string()).or_default();
        list.retain(|n| *n != name);
        list.insert(0, name);
        list.truncate(PER_BLOB);
    }

    /// Records that `repository` on `registry` holds these blobs, re-reading the file
    /// first so that entries from other processes are kept. Failures are ignored: losing
    /// a hint only costs an upload.
    pub fn record(root: &Path, registry: &str, repository: &str, digests: &[Digest]) {
        let mut me = Self::load(root);
        for d in digests {
            me.add(registry, repository, d);
        }
        while me.blobs.len() > MAX_BLOBS {
            let Some(first) = me.blobs.keys().next().cloned() else {
                break;
            };
            me.blobs.remove(&first);
        }
        let Ok(text) = serde_json::to_vec(&me) else {
            return;
        };
        let path = Self::path(root);
        let tmp = root.join(format!(".{FILE_NAME}.{}", std::process::id()));
        if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_sibling_repositories_of_the_same_registry() {
        let dir = tempfile::tempdir().unwrap();
        let d = Digest::of(b"base layer");
        BlobSources::record(
            dir.path(),
            "127.0.0.1:5000",
            "base",
            std::slice::from_ref(&d),
        );
        BlobSources::record(
            dir.path(),
            "other.example",
            "base",
            std::slice::from_ref(&d),
        );
        BlobSources::record(
            dir.path(),
            "127.0.0.1:5000",
            "app",
            std::slice::from_ref(&d),
        );
        let s = BlobSources::load(dir.path());
        assert_eq!(s.candidates("127.0.0.1:5000", &d, "app"), vec!["base"]);
        assert_eq!(
            s.candidates("127.0.0.1:5000", &d, "new"),
            vec!["app", "base"]
        );
        assert!(s
            .candidates("127.0.0.1:5000", &Digest::of(b"x"), "new")
            .is_empty());
    }
}
