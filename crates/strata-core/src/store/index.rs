//! `index.json`: the store's names ([OCI image layout § index.json]).
//!
//! Each name is one descriptor in `manifests`, carrying the full normalised reference
//! (`docker.io/library/busybox:latest`) in two annotations:
//! - `org.opencontainers.image.ref.name`, which `skopeo` (`oci:DIR:docker.io/library/busybox:latest`)
//!   and `umoci` (`umoci ls`) read: their name grammar (components separated by `/`, with
//!   `.`, `_`, `-`, `:` and `@` inside) accepts a full reference, so one layout can hold
//!   the same repository name from two registries without a clash, which tag-only names
//!   (containerd's export convention) could not;
//! - `io.containerd.image.name`, which containerd and nerdctl read.
//!
//! Also `org.opencontainers.image.created`, copied from the image config, so that listing
//! images does not open every config.
//!
//! Entries written by other tools are read too: `io.containerd.image.name` wins when
//! present, else `ref.name`, normalised when it parses as a reference (`latest`, as
//! `skopeo copy … oci:DIR:latest` writes it, reads as `docker.io/library/latest:latest`;
//! one that does not parse is kept as written). An entry with no name is a dangling image.
//!
//! [OCI image layout § index.json]: https://github.com/opencontainers/image-spec/blob/main/image-layout.md#indexjson-file

use std::collections::{BTreeSet, HashMap};

use oci_spec::image::{Descriptor, ANNOTATION_CREATED, ANNOTATION_REF_NAME};
use serde::{Deserialize, Serialize};

use super::{read_capped, walk, Store, StoreError, INDEX_FILE};
use crate::digest::Digest;
use crate::reference::Reference;

/// The annotation containerd and nerdctl read an image's name from.
pub const ANNOTATION_CONTAINERD_NAME: &str = "io.containerd.image.name";

/// `index.json` larger than this is refused (it holds one small entry per name).
const INDEX_MAX: u64 = 64 * 1024 * 1024;

/// One named image in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    /// The full normalised reference (`docker.io/library/busybox:latest`); a name written
    /// by another tool that does not parse as a reference is kept as written; empty for
    /// an index entry without a name (a dangling image, see `strata prune`).
    pub name: String,
    /// The `index.json` descriptor: a manifest or an index.
    pub descriptor: Descriptor,
}

impl ImageRef {
    /// The name as a reference, when it is one.
    pub fn reference(&self) -> Option<Reference> {
        Reference::parse(&self.name).ok()
    }

    /// The target's digest (manifest or index).
    pub fn digest(&self) -> Result<Digest, StoreError> {
        descriptor_digest(&self.descriptor)
    }

    /// The creation time recorded in the index entry, when there is one (RFC 3339).
    pub fn created(&self) -> Option<&str> {
        self.descriptor
            .annotations()
            .as_ref()
            .and_then(|a| a.get(ANNOTATION_CREATED))
            .map(String::as_str)
    }
}

/// The digest of a descriptor, refused when it is not sha256 (the only kind stored).
pub(crate) fn descriptor_digest(d: &Descriptor) -> Result<Digest, StoreError> {
    Digest::try_from(d.digest()).map_err(|_| StoreError::UnsupportedDigest(d.digest().to_string()))
}

/// `index.json` as read and written. Unknown fields are kept, so that what another tool
/// wrote survives our rewrite.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IndexFile {
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl Default for IndexFile {
    fn default() -> Self {
        IndexFile {
            schema_version: 2,
            media_type: Some(crate::media::OCI_INDEX.into()),
            manifests: Vec::new(),
            other: serde_json::Map::new(),
        }
    }
}

/// `index.json` read for what the store's names reach (see [`Store::entry_summaries`]).
#[derive(Deserialize)]
struct IndexSummary {
    #[serde(default)]
    manifests: Vec<EntrySummary>,
}

#[derive(Deserialize)]
struct EntrySummary {
    /// A sha256 digest: a file with any other, valid or not, is read whole instead, so
    /// that it is skipped or refused exactly as [`descriptor_digest`] decides.
    digest: Digest,
    #[serde(default)]
    annotations: Option<NameAnnotations>,
}

#[derive(Deserialize)]
struct NameAnnotations {
    #[serde(rename = "io.containerd.image.name")]
    containerd: Option<String>,
    #[serde(rename = "org.opencontainers.image.ref.name")]
    ref_name: Option<String>,
}

impl EntrySummary {
    /// As [`entry_name`] decides: containerd's name when present, else `ref.name`, and
    /// an empty one is no name.
    fn named(&self) -> bool {
        self.annotations
            .as_ref()
            .and_then(|a| a.containerd.as_ref().or(a.ref_name.as_ref()))
            .is_some_and(|n| !n.is_empty())
    }
}

/// The name of an index entry, normalised (see the module doc).
pub(crate) fn entry_name(d: &Descriptor) -> Option<String> {
    let a = d.annotations().as_ref()?;
    let raw = a
        .get(ANNOTATION_CONTAINERD_NAME)
        .or_else(|| a.get(ANNOTATION_REF_NAME))
        .filter(|n| !n.is_empty())?;
    Some(Reference::parse(raw).map_or_else(|_| raw.clone(), |r| r.to_string()))
}

/// Index entries with their names, in file order.
pub(crate) fn entries_of(manifests: Vec<Descriptor>) -> Vec<ImageRef> {
    manifests
        .into_iter()
        .map(|descriptor| ImageRef {
            name: entry_name(&descriptor).unwrap_or_default(),
            descriptor,
        })
        .collect()
}

/// `d` without the annotations that name it: a dangling image's entry.
fn unnamed(mut d: Descriptor) -> Descriptor {
    if let Some(mut a) = d.annotations().clone() {
        a.remove(ANNOTATION_REF_NAME);
        a.remove(ANNOTATION_CONTAINERD_NAME);
        d.set_annotations((!a.is_empty()).then_some(a));
    }
    d
}

impl Store {
    pub(crate) fn read_index(&self) -> Result<IndexFile, StoreError> {
        let path = self.path(INDEX_FILE);
        let bytes = read_capped(&path, INDEX_MAX)?;
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Layout {
            path: self.root().to_path_buf(),
            reason: format!("index.json is not a valid image index: {e}"),
        })
    }

    /// Rewrites `index.json` atomically. The caller holds the lock.
    pub(crate) fn write_index(&self, index: &IndexFile) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(index).map_err(|e| StoreError::Layout {
            path: self.root().to_path_buf(),
            reason: format!("cannot serialise index.json: {e}"),
        })?;
        self.write_atomic(&self.path(INDEX_FILE), &bytes)
    }

    /// Every entry of `index.json`, named or not, in file order.
    pub(crate) fn entries(&self) -> Result<Vec<ImageRef>, StoreError> {
        Ok(entries_of(self.read_index()?.manifests))
    }

    /// The digest of every entry of `index.json` (an image once per name), for what needs
    /// only what the names reach (gc, `rmi`): no name is parsed. Entries with another
    /// algorithm are skipped, as they name nothing the store can hold.
    pub(crate) fn entry_digests(&self) -> Result<Vec<Digest>, StoreError> {
        if let Some(entries) = self.entry_summaries() {
            return Ok(entries.into_iter().map(|e| e.digest).collect());
        }
        Ok(self
            .read_index()?
            .manifests
            .iter()
            .filter_map(|d| descriptor_digest(d).ok())
            .collect())
    }

    /// Whether `index.json` has an entry without a name (a dangling image), without
    /// reading whole descriptors: `prune` rewrites the file only when it has one.
    pub(crate) fn has_dangling_entry(&self) -> bool {
        self.entry_summaries()
            .is_none_or(|entries| entries.iter().any(|e| !e.named()))
    }

    /// `index.json`'s entries reduced to their digest and whether they are named. Reading
    /// only that skips building every descriptor (its annotations, media type, checked
    /// digest), the most of what reading the file costs at thousands of names. `None`
    /// when the file cannot be read so: the caller then reads it whole, which reports
    /// what is wrong.
    fn entry_summaries(&self) -> Option<Vec<EntrySummary>> {
        let bytes = read_capped(&self.path(INDEX_FILE), INDEX_MAX).ok()?;
        serde_json::from_slice::<IndexSummary>(&bytes)
            .ok()
            .map(|i| i.manifests)
    }

    /// The named images, sorted by name.
    pub fn refs(&self) -> Result<Vec<ImageRef>, StoreError> {
        let mut refs: Vec<ImageRef> = self
            .entries()?
            .into_iter()
            .filter(|r| !r.name.is_empty())
            .collect();
        refs.sort_by(|a, b| a.name.cmp(&b.name));
        refs.dedup_by(|a, b| a.name == b.name);
        Ok(refs)
    }

    /// Entries of `index.json` without a name: dangling images.
    pub fn dangling(&self) -> Result<Vec<ImageRef>, StoreError> {
        Ok(self
            .entries()?
            .into_iter()
            .filter(|r| r.name.is_empty())
            .collect())
    }

    /// Finds an image as docker does: a full digest (`sha256:…`, of a manifest or index
    /// in `index.json`, or of an image config); else a reference (normalised:
    /// `busybox` finds `docker.io/library/busybox:latest`; `repo@sha256:…` finds the
    /// image of that repository with that digest); else a unique prefix of at least 4
    /// hex digits of such a digest (an "image ID").
    pub fn resolve(&self, name_or_id: &str) -> Result<ImageRef, StoreError> {
        self.resolve_in(&self.entries()?, name_or_id)
    }

    /// [`Store::resolve`] among `entries` (read once by a caller that needs them again).
    pub(crate) fn resolve_in(
        &self,
        entries: &[ImageRef],
        name_or_id: &str,
    ) -> Result<ImageRef, StoreError> {
        let input = name_or_id.trim();
        let not_found = || StoreError::ImageNotFound(input.to_string());
        if input.is_empty() {
            return Err(not_found());
        }
        // A full digest.
        if let Ok(d) = input.parse::<Digest>() {
            return self.by_id_prefix(entries, d.hex(), input);
        }
        // A reference.
        let parsed = Reference::parse(input);
        if let Ok(r) = &parsed {
            let full = r.to_string();
            if let Some(found) = best(entries.iter().filter(|e| e.name == full)) {
                return Ok(found.clone());
            }
            if let Some(d) = &r.digest {
                let repo = r.name();
                let same = entries.iter().filter(|e| {
                    e.digest().is_ok_and(|x| &x == d)
                        && Reference::parse(&e.name).is_ok_and(|n| n.name() == repo)
                });
                if let Some(found) = best(same) {
                    return Ok(found.clone());
                }
            }
        }
        // A name another tool wrote that is not a reference.
        if let Some(found) = entries
            .iter()
            .find(|e| !e.name.is_empty() && e.name == input)
        {
            return Ok(found.clone());
        }
        // An image ID prefix.
        let hex = input.strip_prefix("sha256:").unwrap_or(input);
        if hex.len() >= 4 && hex.len() <= 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return self.by_id_prefix(entries, &hex.to_ascii_lowercase(), input);
        }
        match parsed {
            Err(e) => Err(e.into()),
            Ok(_) => Err(not_found()),
        }
    }

    /// The entry whose target digest, or whose config digest, starts with `hex`.
    pub(crate) fn by_id_prefix(
        &self,
        entries: &[ImageRef],
        hex: &str,
        input: &str,
    ) -> Result<ImageRef, StoreError> {
        let mut by_target: Vec<&ImageRef> = entries
            .iter()
            .filter(|e| e.digest().is_ok_and(|d| d.hex().starts_with(hex)))
            .collect();
        if by_target.is_empty() {
            // Docker's classic image ID is the config digest.
            for e in entries {
                let Ok(d) = e.digest() else { continue };
                if let Some(config) = walk::config_of(self, &d) {
                    if config.hex().starts_with(hex) {
                        by_target.push(e);
                    }
                }
            }
        }
        let targets: BTreeSet<String> = by_target
            .iter()
            .map(|e| e.descriptor.digest().to_string())
            .collect();
        match targets.len() {
            0 => Err(StoreError::ImageNotFound(input.to_string())),
            1 => best(by_target.into_iter())
                .cloned()
                .ok_or_else(|| StoreError::ImageNotFound(input.to_string())),
            _ => Err(StoreError::Ambiguous {
                input: input.to_string(),
                candidates: targets.into_iter().collect(),
            }),
        }
    }

    /// Names an image: `name` now points at `descriptor` (a manifest or an index whose
    /// blob is in the store), replacing what it pointed at. Atomic, under the lock.
    pub fn set_ref(&self, name: &Reference, descriptor: Descriptor) -> Result<(), StoreError> {
        self.set_refs(vec![(name.clone(), descriptor)])
    }

    /// Names several images in one atomic `index.json` write (an archive with many tags).
    pub fn set_refs(&self, entries: Vec<(Reference, Descriptor)>) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let mut prepared = Vec::with_capacity(entries.len());
        let mut targets = Vec::new();
        for (name, descriptor) in entries {
            let digest = descriptor_digest(&descriptor)?;
            if let Some(pinned) = &name.digest {
                if pinned != &digest {
                    return Err(StoreError::PinnedDigest {
                        name: name.to_string(),
                        actual: digest.to_string(),
                    });
                }
            }
            if !self.has_blob(&digest) {
                return Err(StoreError::BlobNotFound(digest));
            }
            let full = name.to_string();
            let mut annotations: HashMap<String, String> =
                descriptor.annotations().clone().unwrap_or_default();
            annotations.insert(ANNOTATION_REF_NAME.to_string(), full.clone());
            annotations.insert(ANNOTATION_CONTAINERD_NAME.to_string(), full.clone());
            if !annotations.contains_key(ANNOTATION_CREATED) {
                if let Some(created) = walk::created_of(self, &digest) {
                    annotations.insert(ANNOTATION_CREATED.to_string(), created);
                }
            }
            let mut descriptor = descriptor;
            descriptor.set_annotations(Some(annotations));
            targets.push(digest);
            prepared.push((full, descriptor));
        }
        let mut index = self.read_index()?;
        let names: BTreeSet<&String> = prepared.iter().map(|(n, _)| n).collect();
        let mut moved = Vec::new();
        index.manifests.retain(|d| {
            let goes = entry_name(d).is_some_and(|n| names.contains(&n));
            if goes {
                moved.push(d.clone());
            }
            !goes
        });
        // As in docker: an image whose last name moves to another image stays, unnamed
        // (`<none>` in `images`, a dangling image), until `prune` or `rmi` removes it.
        for d in moved {
            let Ok(old) = descriptor_digest(&d) else {
                continue;
            };
            let named_still = targets.contains(&old)
                || index
                    .manifests
                    .iter()
                    .any(|e| descriptor_digest(e).is_ok_and(|x| x == old));
            if !named_still {
                index.manifests.push(unnamed(d));
            }
        }
        // A later entry for the same name wins, as in a map.
        let mut seen = BTreeSet::new();
        let mut add = Vec::new();
        for (name, d) in prepared.into_iter().rev() {
            if seen.insert(name) {
                add.push(d);
            }
        }
        index.manifests.extend(add.into_iter().rev());
        self.write_index(&index)?;
        // Their blobs are reachable now; gc no longer needs this process's word for them.
        let mut named = Vec::new();
        for d in &targets {
            named.extend(walk::reachable_from(self, d).into_keys());
        }
        self.release_pending(&named)
    }

    /// Removes a name; returns the descriptor it pointed at. The blobs stay until
    /// [`Store::gc`].
    pub fn remove_ref(&self, name: &Reference) -> Result<Descriptor, StoreError> {
        let full = name.to_string();
        let _lock = self.lock()?;
        let mut index = self.read_index()?;
        let mut removed = None;
        index.manifests.retain(|d| {
            if entry_name(d).as_deref() == Some(full.as_str()) {
                removed.get_or_insert_with(|| d.clone());
                false
            } else {
                true
            }
        });
        let removed = removed.ok_or_else(|| StoreError::ImageNotFound(name.familiar()))?;
        self.write_index(&index)?;
        Ok(removed)
    }

    /// Removes every entry (named or not) that `remove` picks, in one write. Returns the
    /// removed entries. The caller holds the lock.
    pub(crate) fn remove_entries(
        &self,
        remove: impl FnMut(&ImageRef) -> bool,
    ) -> Result<Vec<ImageRef>, StoreError> {
        let mut index = self.read_index()?;
        let entries = entries_of(std::mem::take(&mut index.manifests));
        Ok(self.remove_entries_in(index, entries, remove)?.0)
    }

    /// [`Store::remove_entries`] on `index.json` as the caller read it under the lock
    /// (`index` without its manifests, which are `entries`), so that a caller who needed
    /// the entries first reads and parses the file once. Returns the removed entries and
    /// the file as written (or as it was, when nothing was removed).
    pub(crate) fn remove_entries_in(
        &self,
        mut index: IndexFile,
        entries: Vec<ImageRef>,
        mut remove: impl FnMut(&ImageRef) -> bool,
    ) -> Result<(Vec<ImageRef>, IndexFile), StoreError> {
        let (removed, kept): (Vec<ImageRef>, Vec<ImageRef>) =
            entries.into_iter().partition(|e| remove(e));
        index.manifests = kept.into_iter().map(|e| e.descriptor).collect();
        if !removed.is_empty() {
            self.write_index(&index)?;
        }
        Ok((removed, index))
    }
}

/// Of several entries for one image, the one to show: a named one, first by name.
fn best<'a>(entries: impl Iterator<Item = &'a ImageRef>) -> Option<&'a ImageRef> {
    entries.min_by(|a, b| (a.name.is_empty(), &a.name).cmp(&(b.name.is_empty(), &b.name)))
}
