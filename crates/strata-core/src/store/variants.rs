//! Compressed variants of stored layers (a blob-info cache, as containers/image keeps): a
//! push that compresses a layer stored as a plain tar (or transcodes a gzip layer to zstd)
//! keeps the result as a blob of its own and notes here which layer it was made from, so
//! that pushing the same layer again, to any repository or registry, neither compresses it
//! again nor uploads what the registry already has.
//!
//! Kept in `<store>/compressed-variants.json` as
//! `{"variants": {"sha256:<layer as stored>": {"gzip": "sha256:…", "zstd": "sha256:…"}},
//! "levels": {"sha256:<variant>": 6}}`.
//!
//! The level a variant was made at is kept because levels differ much in size (gzip 2 is
//! some 14% larger than 6): a variant made at a lower level than a push asks for is made
//! again at that level and replaces the old one (which gc then removes), so that a fast push
//! to a registry on the same network does not make a later push to a cloud registry send
//! the larger blob. One made at the level asked or higher is used as it is. A variant with
//! no level noted (written before levels were) counts as made at the level asked.
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
    /// The level each variant was compressed at.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    levels: BTreeMap<Digest, i32>,
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

    /// The variant of `layer` compressed as `compression` at `level` or higher, if one was
    /// made (see the module doc).
    pub fn get(&self, layer: &Digest, compression: Compression, level: i32) -> Option<&Digest> {
        let variant = self.variants.get(layer)?.get(&compression)?;
        match self.levels.get(variant) {
            Some(&made) if made < level => None,
            _ => Some(variant),
        }
    }

    /// Notes that `variant` is `layer` compressed as `compression` at `level` (replacing
    /// any earlier variant of that compression), re-reading the file first so that other
    /// processes' entries are kept. A failure is ignored: it only costs a compression next
    /// time.
    pub fn record(
        root: &Path,
        layer: &Digest,
        compression: Compression,
        variant: &Digest,
        level: i32,
    ) {
        let path = Self::path(root);
        let Ok(_lock) = atomic_file::lock_beside(&path, ".compressed-variants.lock") else {
            return;
        };
        let mut me = Self::load(root);
        me.insert(layer.clone(), compression, variant.clone(), level);
        let _ = atomic_file::write_json(&path, &me);
    }

    /// Notes a variant in this copy only (after [`Variants::record`] wrote it).
    pub fn insert(&mut self, layer: Digest, compression: Compression, variant: Digest, level: i32) {
        let old = self
            .variants
            .entry(layer)
            .or_default()
            .insert(compression, variant.clone());
        if let Some(old) = old.filter(|old| *old != variant) {
            self.levels.remove(&old);
        }
        self.levels.insert(variant, level);
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
        let noted: BTreeSet<&Digest> = me.variants.values().flat_map(BTreeMap::values).collect();
        let levels = me.levels.len();
        me.levels.retain(|v, _| noted.contains(v));
        if after != before || me.levels.len() != levels {
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
        Variants::record(dir.path(), &d(1), Compression::Gzip, &d(2), 6);
        Variants::record(dir.path(), &d(1), Compression::Zstd, &d(3), 3);
        let v = Variants::load(dir.path());
        assert_eq!(v.get(&d(1), Compression::Gzip, 6), Some(&d(2)));
        assert_eq!(v.get(&d(1), Compression::Zstd, 3), Some(&d(3)));
        assert_eq!(v.get(&d(2), Compression::Gzip, 6), None);
    }

    #[test]
    fn a_variant_made_at_a_lower_level_than_asked_is_not_used_and_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        Variants::record(dir.path(), &d(1), Compression::Gzip, &d(2), 2);
        let v = Variants::load(dir.path());
        assert_eq!(v.get(&d(1), Compression::Gzip, 2), Some(&d(2)));
        assert_eq!(
            v.get(&d(1), Compression::Gzip, 1),
            Some(&d(2)),
            "smaller is fine"
        );
        assert_eq!(
            v.get(&d(1), Compression::Gzip, 6),
            None,
            "made at 2, 6 asked"
        );
        Variants::record(dir.path(), &d(1), Compression::Gzip, &d(3), 6);
        let v = Variants::load(dir.path());
        assert_eq!(v.get(&d(1), Compression::Gzip, 6), Some(&d(3)));
        assert_eq!(v.get(&d(1), Compression::Gzip, 2), Some(&d(3)));
        // The replaced variant is no longer kept by gc, nor its level noted.
        assert_eq!(v.of(&|_| true), BTreeSet::from([d(3)]));
        assert_eq!(v.levels.len(), 1);
    }

    #[test]
    fn a_variant_noted_before_levels_were_is_used_at_any_level() {
        let dir = tempfile::tempdir().unwrap();
        let old = format!(r#"{{"variants": {{"{}": {{"gzip": "{}"}}}}}}"#, d(1), d(2));
        std::fs::write(dir.path().join(FILE_NAME), old).unwrap();
        let v = Variants::load(dir.path());
        assert_eq!(v.get(&d(1), Compression::Gzip, 9), Some(&d(2)));
    }

    #[test]
    fn gc_keeps_variants_of_live_layers_and_forgets_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        Variants::record(dir.path(), &d(1), Compression::Gzip, &d(2), 6);
        Variants::record(dir.path(), &d(5), Compression::Gzip, &d(6), 6);
        let live = |x: &Digest| *x == d(1);
        let keep = Variants::load(dir.path()).of(&live);
        assert_eq!(keep, BTreeSet::from([d(2)]));
        Variants::retain(dir.path(), &live, &|_| true);
        let v = Variants::load(dir.path());
        assert_eq!(v.get(&d(5), Compression::Gzip, 6), None);
        assert_eq!(v.get(&d(1), Compression::Gzip, 6), Some(&d(2)));
        assert_eq!(
            v.levels.len(),
            1,
            "the level of a forgotten variant goes too"
        );
    }

    #[test]
    fn an_unreadable_file_is_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), b"{not json").unwrap();
        assert_eq!(
            Variants::load(dir.path()).get(&d(1), Compression::Gzip, 6),
            None
        );
    }
}
