//! Removing images: `rmi` with docker's rules, and `prune`.
//!
//! - By name (`busybox`, `ghcr.io/o/app:1`): that name goes. When it was the image's last
//!   name, the image goes too, unless a container uses it (then only with `force`).
//! - By ID (a digest or a unique prefix of one): the image goes with all its names; an
//!   image with several names needs `force`, as in docker, so that an ID typed for one
//!   image does not silently remove names someone else relies on.
//!
//! Blobs are freed afterwards, once for a whole `rmi a b c`, by [`Store::free`]: what only
//! the removed images reached goes, found through the children cache without walking
//! every other image's manifests or listing the store. `prune` runs the full
//! [`Store::gc`], which also finds blobs nothing reaches any more for other reasons.
//!
//! Dangling images. As in docker, an image becomes dangling when its last name moves to
//! another image (a pull of a tag that now names a newer image, a commit or import under an
//! existing name): [`Store::set_refs`] keeps its entry in `index.json` without a name, and
//! `strata images` lists it as `<none>`. Other tools write such entries too (`skopeo copy
//! … oci:DIR` with no name). `prune` removes them (unless a container uses them) and then
//! the unreachable blobs and dead temporary files.

use serde::Serialize;

use super::gc::GcReport;
use super::index::{descriptor_digest, entries_of};
use super::{Store, StoreError};
use crate::digest::Digest;
use crate::reference::Reference;

/// What removing one image name or ID did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoveOutcome {
    /// Names removed (full normalised references).
    pub untagged: Vec<String>,
    /// The image (manifest or index digest).
    pub image: Digest,
    /// Whether no name is left for the image (its blobs go at the next gc).
    pub image_removed: bool,
}

/// What `prune` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PruneReport {
    /// Dangling images removed from `index.json`.
    pub images_removed: Vec<Digest>,
    pub gc: GcReport,
}

impl Store {
    /// Removes an image name, or an image by ID, with docker's rules (see the module doc).
    /// Does not free blobs: call [`Store::free`] with the removed images after.
    pub fn remove_image(&self, name_or_id: &str, force: bool) -> Result<RemoveOutcome, StoreError> {
        let _lock = self.lock()?;
        // index.json is read and parsed once, under the lock, and written once: with
        // thousands of images each parse costs milliseconds (it was parsed five times).
        let mut index = self.read_index()?;
        let entries = entries_of(std::mem::take(&mut index.manifests));
        let found = self.resolve_in(&entries, name_or_id)?;
        let target = found.digest()?;
        let same = |e: &super::ImageRef| e.digest().is_ok_and(|d| d == target);
        let mut names: Vec<String> = entries
            .iter()
            .filter(|e| same(e) && !e.name.is_empty())
            .map(|e| e.name.clone())
            .collect();
        names.sort();
        names.dedup();

        let input = name_or_id.trim();
        let by_name = !found.name.is_empty()
            && (input == found.name
                || Reference::parse(input).is_ok_and(|r| r.to_string() == found.name));
        let last = !by_name || names.len() <= 1;
        if last && !force {
            let holders = self.holders(&target);
            if !holders.is_empty() {
                return Err(StoreError::InUse {
                    image: display_name(&found.name, &target),
                    holders,
                });
            }
        }
        if !by_name && names.len() > 1 && !force {
            return Err(StoreError::SeveralNames {
                id: target.short().to_string(),
                names: names
                    .iter()
                    .map(|n| Reference::parse(n).map_or_else(|_| n.clone(), |r| r.familiar()))
                    .collect(),
            });
        }
        let (removed, index) = if by_name {
            let name = found.name.clone();
            self.remove_entries_in(index, entries, |e| e.name == name && same(e))?
        } else {
            self.remove_entries_in(index, entries, same)?
        };
        let mut untagged: Vec<String> = removed
            .iter()
            .filter(|e| !e.name.is_empty())
            .map(|e| e.name.clone())
            .collect();
        untagged.sort();
        untagged.dedup();
        let image_removed = !index
            .manifests
            .iter()
            .any(|d| descriptor_digest(d).is_ok_and(|d| d == target));
        Ok(RemoveOutcome {
            untagged,
            image: target,
            image_removed,
        })
    }

    /// Removes dangling images (entries without a name) that no container uses, then
    /// collects garbage (see the module doc).
    pub fn prune(&self) -> Result<PruneReport, StoreError> {
        let _lock = self.lock()?;
        // Most prunes find no dangling image: then neither the whole file nor the
        // container records are read.
        let removed = if self.has_dangling_entry() {
            let containers = super::usage::container_records(self);
            self.remove_entries(|e| {
                e.name.is_empty()
                    && e.digest()
                        .is_ok_and(|d| super::usage::holders_in(self, &containers, &d).is_empty())
            })?
        } else {
            Vec::new()
        };
        let mut images_removed: Vec<Digest> =
            removed.iter().filter_map(|e| e.digest().ok()).collect();
        images_removed.sort();
        images_removed.dedup();
        Ok(PruneReport {
            images_removed,
            gc: self.gc()?,
        })
    }
}

fn display_name(name: &str, target: &Digest) -> String {
    if name.is_empty() {
        return target.short().to_string();
    }
    Reference::parse(name).map_or_else(|_| name.to_string(), |r| r.familiar())
}
