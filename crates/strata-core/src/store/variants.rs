//! Compressed variants of stored layers (a blob-info cache, as containers/image keeps): a
//! push that compresses a layer stored as a plain tar (or transcodes a gzip layer to zstd)
//! keeps the result as a blob of its own and notes here which layer it was made from, so
//! that pushing the same layer again, to any repository or registry, neither compresses it
//! again nor uploads what the registry already has.
//!
//! Kept in `<store>/compressed-variants.json` as
//! `{"variants": {"sha256:<layer as stored>": {"gzip": "sha256:…", "zstd": "sha256:…"}}}`.
//! A variant is kept by gc as long as the layer it was made from is; gc then drops the
//! entries of layers that are gone. The file is a cache: a lost update (two processes
//! writing at once) costs one compression, an unreadable file is empty.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic_file;
use crate::digest::Digest;
use crate::layer::Compression;

pub const FILE_NAME: &str = "compressed-variants.json";
/// The file is refused beyond this (some 200,000 entries).
const MAX_FILE: u64 = 64 << 20;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Variants {
    #[serde(default)]
    variants: BTreeMap<Digest, BTreeMap<Compression, Digest>>,
}

impl Variants {
    fn path(root: &Path) -> PathBuf {
        root.join(FILE_NAME)
    }

    /// Loads the cache; a missing or unreadable one is empty.
    pub fn load(root: &Path) -> Variants {
        atomic_file::read_json(&Self::path(root), MAX_FILE)
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// The variant of `layer` compressed as `compression`, if one was made.
    pub fn get(&self, layer: &Digest, compression: Compression) -> Option<&Digest> {
        self.variants.get(layer)?.get(&compression)
    }

    /// Notes that `variant` is `layer` compressed as `compression`, re-reading the file
    /// first so that other processes' entries are kept. A failure is ignored: it only
    /// costs a compression next time.
    pub fn record(root: &Path, layer: &Digest, compression: Compression, variant: &Digest) {
        let path = Self::path(root);
        let Ok(_lock) = atomic_file::lock_beside(&path, ".compressed-variants.lock") else {
            return;
        };
        let mut me = Self::load(root);
        me.insert(layer.clone(), compression, variant.clone());
        let _ = atomic_file::write_json(&path, &me);
    }

    /// Notes a variant in this copy only (after [`Variants::record`] wrote it).
    pub fn insert(&mut self, layer: Digest, compression: Compression, variant: Digest) {
        self.variants
            .entry(layer)
            .or_default()
            .insert(compression, variant);
    }

    /// The variants of the layers in `live`: what gc must keep.
    pub fn of(&self, live: &dyn Fn(&Digest) -> bool) -> BTreeSet<Digest> {
        self.variants
            .iter()
            .filter(|(layer, _)| live(layer))
            .flat_map(|(_, v)| v.values().cloned())
            .collect()
    }

    /// The layers that a variant in `variants` was made from.
    pub fn sources(&self, variants: &dyn Fn(&Digest) -> bool) -> BTreeSet<Digest> {
        self.variants
            .iter()
            .filter(|(_, v)| v.values().any(variants))
            .map(|(layer, _)| layer.clone())
            .collect()
    }

    /// Drops the entries whose layer is not `live` or whose variant is not `present`
    /// (after gc). Errors are ignored, as for [`Variants::record`].
    pub fn retain(root: &Path, live: &dyn Fn(&Digest) -> bool, present: &dyn Fn(&Digest) -> bool) {
        let path = Self::path(root);
        if !path.exists() {
            return;
        }
        let Ok(_lock) = atomic_file::lock_beside(&path, ".compressed-variants.lock") else {
            return;
        };
        let mut me = Self::load(root);
        let before: usize = me.variants.values().map(BTreeMap::len).sum();
        me.variants.retain(|layer, v| {
            v.retain(|_, d| present(d));
            live(layer) && !v.is_empty()
        });
        let after: usize = me.variants.values().map(BTreeMap::len).sum();
        if after != before {
            let _ = atomic_file::write_json(&path, &me);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u8) -> Digest {
        Digest::of(&[n])
    }

    #[test]
    fn a_recorded_variant_is_found_by_layer_and_compression() {
        let dir = tempfile::tempdir().unwrap();
        Variants::record(dir.path(), &d(1), Compression::Gzip, &d(2));
        Variants::record(dir.path(), &d(1), Compression::Zstd, &d(3));
        let v = Variants::load(dir.path());
        assert_eq!(v.get(&d(1), Compression::Gzip), Some(&d(2)));
        assert_eq!(v.get(&d(1), Compression::Zstd), Some(&d(3)));
        assert_eq!(v.get(&d(2), Compression::Gzip), None);
    }

    #[test]
    fn gc_keeps_variants_of_live_layers_and_forgets_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        Variants::record(dir.path(), &d(1), Compression::Gzip, &d(2));
        Variants::record(dir.path(), &d(5), Compression::Gzip, &d(6));
        let live = |x: &Digest| *x == d(1);
        let keep = Variants::load(dir.path()).of(&live);
        assert_eq!(keep, BTreeSet::from([d(2)]));
        Variants::retain(dir.path(), &live, &|_| true);
        let v = Variants::load(dir.path());
        assert_eq!(v.get(&d(5), Compression::Gzip), None);
        assert_eq!(v.get(&d(1), Compression::Gzip), Some(&d(2)));
    }

    #[test]
    fn an_unreadable_file_is_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), b"{not json").unwrap();
        assert_eq!(
            Variants::load(dir.path()).get(&d(1), Compression::Gzip),
            None
        );
    }
}
