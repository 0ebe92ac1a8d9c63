//! What the store holds and what it costs: one summary per image (what `docker images`
//! and `docker system df -v` show), and which containers use an image.
//!
//! Sizes are bytes on disk: the blobs an image reaches (manifest or index, config,
//! compressed layers). A blob reached by more than one image counts in each image's
//! `size` and in its `shared`; `unique` is what removing that image alone would free.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use oci_spec::image::ANNOTATION_CREATED;
use serde::{Deserialize, Serialize};

use super::variants::Variants;
use super::walk::{self, Doc, Walk};
use super::{read_capped, Store, StoreError};
use crate::digest::Digest;

/// A container's record as the store reads it from
/// `<root>/containers/<id>/container.json`. Other fields may be present; only these are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerRecord {
    /// The container's ID, which is its folder's name (a record naming another folder is
    /// not a container: see `container_records`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The manifest (or index) the container was created from.
    pub image_digest: Digest,
    /// The container's name; the folder name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One image: a manifest or index that `index.json` names (possibly under several names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageSummary {
    /// Full normalised references, sorted; empty for a dangling image.
    pub names: Vec<String>,
    /// The manifest or index digest; its first 12 hex digits are the IMAGE ID shown.
    pub digest: Digest,
    pub media_type: String,
    /// The config digest (docker's classic image ID), for a single-platform image.
    pub config_digest: Option<Digest>,
    /// RFC 3339, from the image config.
    pub created: Option<String>,
    /// `os/arch[/variant]` of each manifest in an index; empty for a single manifest.
    pub platforms: Vec<String>,
    /// Bytes on disk of every blob the image reaches.
    pub size: u64,
    /// Of `size`, the bytes also reached by another image.
    pub shared: u64,
    /// `size - shared`: what removing this image alone frees.
    pub unique: u64,
    /// Containers created from this image.
    pub containers: Vec<String>,
}

/// The whole store's disk usage (`strata df`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct DiskUsage {
    pub images: Vec<ImageSummary>,
    /// Images used by at least one container.
    pub active_images: usize,
    /// Every blob in the store.
    pub blobs: usize,
    pub total_bytes: u64,
    /// Bytes reached by some image (each blob counted once).
    pub image_bytes: u64,
    /// Blobs no image reaches, which `strata prune` removes.
    pub unreferenced_blobs: usize,
    pub unreferenced_bytes: u64,
    /// What removing every image no container uses, and the unreferenced blobs, frees.
    pub reclaimable_bytes: u64,
}

/// For each image (manifest or index digest), the blobs it reaches with their sizes.
type BlobsByImage = BTreeMap<Digest, BTreeMap<Digest, u64>>;

impl Store {
    /// Every image, newest first (then by name), one entry per distinct manifest/index.
    pub fn images(&self) -> Result<Vec<ImageSummary>, StoreError> {
        Ok(self.images_and_blobs()?.0)
    }

    /// [`Store::images`], and the blobs each image reaches, so that `df` does not walk
    /// every image a second time.
    fn images_and_blobs(&self) -> Result<(Vec<ImageSummary>, BlobsByImage), StoreError> {
        let entries = self.entries()?;
        // Group names by target.
        let mut by_target: BTreeMap<Digest, (Vec<String>, String, Option<String>)> =
            BTreeMap::new();
        for e in &entries {
            let Ok(d) = e.digest() else { continue };
            let slot = by_target
                .entry(d)
                .or_insert_with(|| (Vec::new(), e.descriptor.media_type().to_string(), None));
            if !e.name.is_empty() {
                slot.0.push(e.name.clone());
            }
            if slot.2.is_none() {
                slot.2 = e
                    .descriptor
                    .annotations()
                    .as_ref()
                    .and_then(|a| a.get(ANNOTATION_CREATED))
                    .cloned();
            }
        }
        // One walk for all: a layer many images share is looked at once. Each image's
        // document is read once, for the walk and for the summary below.
        let mut walk = Walk::remembering_sizes();
        let mut reach = BlobsByImage::new();
        let mut docs: BTreeMap<&Digest, Doc> = BTreeMap::new();
        for d in by_target.keys() {
            let mut blobs = BTreeMap::new();
            match self.read_json::<Doc>(d) {
                Ok(doc) => {
                    walk.visit_read(self, d, &doc, &mut blobs);
                    docs.insert(d, doc);
                }
                Err(_) => walk.visit(self, d, 0, &mut blobs),
            }
            reach.insert(d.clone(), blobs);
        }
        // Read once, not once per image: with many images and containers that was the
        // listing's main cost.
        let containers = container_records(self);
        let mut users: BTreeMap<&Digest, usize> = BTreeMap::new();
        for blobs in reach.values() {
            for d in blobs.keys() {
                *users.entry(d).or_default() += 1;
            }
        }
        let mut out = Vec::new();
        for (digest, (mut names, media_type, created)) in
            by_target.iter().map(|(d, v)| (d, v.clone()))
        {
            names.sort();
            names.dedup();
            let blobs = &reach[digest];
            let size: u64 = blobs.values().sum();
            let shared: u64 = blobs
                .iter()
                .filter(|(d, _)| users.get(d).copied().unwrap_or(0) > 1)
                .map(|(_, s)| s)
                .sum();
            let doc = docs.get(digest);
            let is_index = doc.is_some_and(Doc::is_index);
            let platforms = match (doc, is_index) {
                (Some(doc), true) => doc
                    .manifests
                    .iter()
                    .filter_map(|m| m.platform.as_ref())
                    .map(crate::platform::Platform::to_string)
                    .filter(|p| p != "unknown/unknown")
                    .collect(),
                _ => Vec::new(),
            };
            let config_digest = match (doc, is_index) {
                (Some(doc), false) => doc.config.as_ref().and_then(|c| c.digest.parse().ok()),
                _ => None,
            };
            out.push(ImageSummary {
                names,
                digest: digest.clone(),
                media_type,
                config_digest,
                created: created.or_else(|| walk::created_of(self, digest)),
                platforms,
                size,
                shared,
                unique: size - shared,
                containers: holders_among(&containers, digest, doc),
            });
        }
        out.sort_by(|a, b| {
            b.created
                .cmp(&a.created)
                .then_with(|| a.names.cmp(&b.names))
        });
        Ok((out, reach))
    }

    /// The store's disk usage, per image and in total.
    pub fn disk_usage(&self) -> Result<DiskUsage, StoreError> {
        let (images, reach) = self.images_and_blobs()?;
        let mut reachable: BTreeMap<&Digest, u64> = reach
            .values()
            .flat_map(|blobs| blobs.iter().map(|(d, s)| (d, *s)))
            .collect();
        // And the compressed variants of what images reach, as gc keeps them.
        let variants = Variants::load(self.root()).of(&|d| reachable.contains_key(d));
        for v in &variants {
            if let Ok(size) = self.blob_size(v) {
                reachable.insert(v, size);
            }
        }
        let blobs = self.list_blobs()?;
        let mut usage = DiskUsage {
            blobs: blobs.len(),
            total_bytes: blobs.iter().map(|(_, s)| s).sum(),
            image_bytes: reachable.values().sum(),
            active_images: images.iter().filter(|i| !i.containers.is_empty()).count(),
            ..DiskUsage::default()
        };
        for (d, size) in &blobs {
            if !reachable.contains_key(d) {
                usage.unreferenced_blobs += 1;
                usage.unreferenced_bytes += size;
            }
        }
        // Blobs reached only by images no container uses can all go.
        let mut in_use = BTreeSet::new();
        for image in images.iter().filter(|i| !i.containers.is_empty()) {
            in_use.extend(reach[&image.digest].keys());
        }
        usage.reclaimable_bytes = blobs
            .iter()
            .filter(|(d, _)| !in_use.contains(d))
            .map(|(_, s)| s)
            .sum();
        usage.images = images;
        Ok(usage)
    }
}

/// Every container's name and the image it was created from, from
/// `<root>/containers/<id>/container.json` (records that cannot be read, or whose ID is not
/// their folder's name, are skipped, as [`crate::container::Containers::list`] skips them).
pub(super) fn container_records(store: &Store) -> Vec<(String, Digest)> {
    let Ok(listing) = fs::read_dir(store.containers_dir()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in listing.flatten() {
        let path = entry.path().join("container.json");
        let Ok(bytes) = read_capped(&path, 1024 * 1024) else {
            continue;
        };
        let Ok(record) = serde_json::from_slice::<ContainerRecord>(&bytes) else {
            continue;
        };
        // A copied folder (its record's ID is the original's) is not a container: `strata
        // ps` does not list it, so it does not hold an image either.
        let folder = entry.file_name();
        if record
            .id
            .as_deref()
            .is_some_and(|id| folder.to_str() != Some(id))
        {
            continue;
        }
        let name = record
            .name
            .unwrap_or_else(|| entry.file_name().to_string_lossy().into_owned());
        out.push((name, record.image_digest));
    }
    out
}

/// The containers of `records` created from `target` or, for an index (`doc`), from one
/// of the manifests it lists; sorted.
fn holders_among(records: &[(String, Digest)], target: &Digest, doc: Option<&Doc>) -> Vec<String> {
    let mut wanted = BTreeSet::from([target.clone()]);
    if let Some(index) = doc.filter(|d| d.is_index()) {
        wanted.extend(index.manifests.iter().filter_map(|m| m.digest.parse().ok()));
    }
    let mut out: Vec<String> = records
        .iter()
        .filter(|(_, image)| wanted.contains(image))
        .map(|(name, _)| name.clone())
        .collect();
    out.sort();
    out
}

/// See [`Store::holders`].
pub(super) fn holders(store: &Store, target: &Digest) -> Vec<String> {
    holders_in(store, &container_records(store), target)
}

/// [`holders`] among `records` read once for many images (`prune`).
pub(super) fn holders_in(
    store: &Store,
    records: &[(String, Digest)],
    target: &Digest,
) -> Vec<String> {
    if records.is_empty() {
        return Vec::new();
    }
    let doc = store.read_json::<Doc>(target).ok();
    holders_among(records, target, doc.as_ref())
}
