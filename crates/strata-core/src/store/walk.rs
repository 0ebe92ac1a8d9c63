//! The store's one manifest walk: what a manifest or index references, and everything a
//! name reaches. gc and fsck ([`gc`](super::gc)), the image list and disk usage
//! ([`usage`](super::usage)), ID lookups and names ([`index`](super::index)) all read
//! documents through it.
//!
//! It follows the [OCI image spec]: an index reaches its manifests, a manifest its config
//! and layers (Docker's schema 2 manifest and manifest list use the same field names and
//! are walked alike). Only the fields that reference blobs are read, so a document with
//! fields Strata does not know walks as well as any.
//!
//! [OCI image spec]: https://github.com/opencontainers/image-spec/blob/main/manifest.md

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::Store;
use crate::digest::Digest;
use crate::platform::Platform;

/// Indexes inside indexes deeper than this are not followed (a hostile cycle).
const MAX_DEPTH: usize = 8;

/// The parts of a manifest or index that reference other blobs.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Doc {
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub config: Option<Desc>,
    #[serde(default)]
    pub layers: Vec<Desc>,
    #[serde(default)]
    pub manifests: Vec<Desc>,
}

/// A reference to a blob, as a manifest or index states it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Desc {
    pub digest: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub platform: Option<Platform>,
    #[serde(default)]
    pub urls: Option<Vec<String>>,
}

/// What a referenced blob is to the document that references it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Config,
    Layer,
    Manifest,
}

impl Role {
    fn word(self) -> &'static str {
        match self {
            Role::Config => "config",
            Role::Layer => "layer",
            Role::Manifest => "manifest",
        }
    }
}

impl Doc {
    /// Reads the document `digest` names; `None` when it is absent or not JSON.
    pub fn read(store: &Store, digest: &Digest) -> Option<Doc> {
        store.read_json(digest).ok()
    }

    pub fn is_index(&self) -> bool {
        self.config.is_none()
            && (!self.manifests.is_empty() || self.media_type.as_deref().is_some_and(is_index_type))
    }

    /// Every blob the document references, with what it is: config, layers, manifests.
    pub fn children(&self) -> impl Iterator<Item = (&Desc, Role)> {
        self.config
            .iter()
            .map(|c| (c, Role::Config))
            .chain(self.layers.iter().map(|l| (l, Role::Layer)))
            .chain(self.manifests.iter().map(|m| (m, Role::Manifest)))
    }
}

pub(crate) fn is_index_type(media_type: &str) -> bool {
    media_type.ends_with("image.index.v1+json") || media_type.ends_with("manifest.list.v2+json")
}

/// The image config's digest, for a manifest (not an index).
pub(crate) fn config_of(store: &Store, manifest: &Digest) -> Option<Digest> {
    Doc::read(store, manifest)?.config?.digest.parse().ok()
}

/// The `created` time of the image's config; for an index, of its first manifest present.
pub(crate) fn created_of(store: &Store, target: &Digest) -> Option<String> {
    #[derive(Deserialize)]
    struct Config {
        created: Option<String>,
    }
    let doc = Doc::read(store, target)?;
    if doc.is_index() {
        return doc
            .manifests
            .iter()
            .filter_map(|m| m.digest.parse::<Digest>().ok())
            .filter(|d| store.has_blob(d))
            .find_map(|d| created_of(store, &d));
    }
    let config: Digest = doc.config?.digest.parse().ok()?;
    store.read_json::<Config>(&config).ok()?.created
}

/// Every blob reachable from `target` that is present, with its size. Missing or
/// unreadable children are skipped (fsck reports them).
pub(crate) fn reachable_from(store: &Store, target: &Digest) -> BTreeMap<Digest, u64> {
    let mut out = BTreeMap::new();
    Walk::default().visit(store, target, 0, &mut out);
    out
}

/// What is wrong, in fsck's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wrong {
    /// A manifest or index that cannot be read, or references something that is no digest.
    BadManifest,
    /// A blob whose size is not the one its reference states.
    SizeMismatch,
    /// A referenced blob that is absent.
    MissingBlob,
}

/// What a walk found on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finding {
    Wrong {
        kind: Wrong,
        subject: String,
        message: String,
    },
    /// Worth knowing, not wrong: a platform's manifest or a foreign layer not kept.
    Note(String),
}

/// A walk that remembers what it found.
#[derive(Default)]
pub(crate) struct Walk {
    pub findings: Vec<Finding>,
    /// When set, every manifest and index read, with what it references (fsck checks the
    /// children cache against these).
    pub docs: Option<Vec<(Digest, Vec<super::children::Child>)>>,
    /// When set, blob sizes already looked up, so that a walk over many images stats a
    /// shared base layer once rather than once per image.
    sizes: Option<HashMap<Digest, u64>>,
}

impl Walk {
    /// A walk that remembers blob sizes across [`Walk::visit`]s (see `sizes`).
    pub fn remembering_sizes() -> Walk {
        Walk {
            sizes: Some(HashMap::new()),
            ..Walk::default()
        }
    }

    /// A walk that keeps every document it reads in `docs` (fsck).
    pub fn recording_docs() -> Walk {
        Walk {
            docs: Some(Vec::new()),
            ..Walk::default()
        }
    }

    fn size(&mut self, store: &Store, d: &Digest) -> Result<u64, super::StoreError> {
        if let Some(size) = self.sizes.as_ref().and_then(|s| s.get(d)) {
            return Ok(*size);
        }
        let size = store.blob_size(d)?;
        if let Some(sizes) = &mut self.sizes {
            sizes.insert(d.clone(), size);
        }
        Ok(size)
    }

    fn wrong(&mut self, kind: Wrong, subject: impl ToString, message: impl Into<String>) {
        self.findings.push(Finding::Wrong {
            kind,
            subject: subject.to_string(),
            message: message.into(),
        });
    }

    /// Adds `d` and everything it reaches to `out`, with sizes; `depth` counts nested
    /// indexes.
    pub fn visit(
        &mut self,
        store: &Store,
        d: &Digest,
        depth: usize,
        out: &mut BTreeMap<Digest, u64>,
    ) {
        self.visit_with(store, d, None, depth, out);
    }

    /// [`Walk::visit`] of an image whose document (`doc`, read from the store) the caller
    /// has already read for other uses: it is not read again.
    pub fn visit_read(
        &mut self,
        store: &Store,
        d: &Digest,
        doc: &Doc,
        out: &mut BTreeMap<Digest, u64>,
    ) {
        self.visit_with(store, d, Some(doc), 0, out);
    }

    fn visit_with(
        &mut self,
        store: &Store,
        d: &Digest,
        given: Option<&Doc>,
        depth: usize,
        out: &mut BTreeMap<Digest, u64>,
    ) {
        if out.contains_key(d) {
            return;
        }
        let Ok(size) = self.size(store, d) else {
            return;
        };
        out.insert(d.clone(), size);
        if depth > MAX_DEPTH {
            self.wrong(Wrong::BadManifest, d, "indexes nest too deeply");
            return;
        }
        let read: Doc;
        let doc = match given {
            Some(doc) => doc,
            None => match store.read_json(d) {
                Ok(doc) => {
                    read = doc;
                    &read
                }
                Err(e) => return self.wrong(Wrong::BadManifest, d, e.to_string()),
            },
        };
        if let Some(docs) = &mut self.docs {
            docs.push((d.clone(), super::children::children_of(doc)));
        }
        let index = doc.is_index();
        for (child, role) in doc.children() {
            let Ok(cd) = child.digest.parse::<Digest>() else {
                let why = format!("references `{}`, not a sha256 digest", child.digest);
                self.wrong(Wrong::BadManifest, d, why);
                continue;
            };
            let actual = match self.size(store, &cd) {
                Ok(actual) => {
                    if child.size != actual {
                        let why = format!("{d} says {} bytes, the blob has {actual}", child.size);
                        self.wrong(Wrong::SizeMismatch, &cd, why);
                    }
                    actual
                }
                Err(_) if index && role == Role::Manifest => {
                    // A multi-platform image pulled for one platform keeps the index and
                    // only the manifests it needs, as containerd does.
                    let platform = child
                        .platform
                        .as_ref()
                        .map_or("unknown".into(), Platform::to_string);
                    self.findings.push(Finding::Note(format!(
                        "index {d}: manifest {cd} ({platform}) is not in the store"
                    )));
                    continue;
                }
                Err(_) if child.urls.as_ref().is_some_and(|u| !u.is_empty()) => {
                    self.findings.push(Finding::Note(format!(
                        "manifest {d}: foreign layer {cd} is not in the store"
                    )));
                    continue;
                }
                Err(_) => {
                    let why = format!("{} referenced by {d} is missing", role.word());
                    self.wrong(Wrong::MissingBlob, &cd, why);
                    continue;
                }
            };
            if role == Role::Manifest {
                self.visit(store, &cd, depth + 1, out);
            } else {
                out.insert(cd, actual);
            }
        }
    }
}
