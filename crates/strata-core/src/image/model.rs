//! Reading images out of the store: manifests ([OCI image spec: manifest]) and Docker's
//! schema 2 twin, indexes ([§ image index]) and Docker manifest lists, configs
//! ([§ config]), and choosing one platform's image from an index.
//!
//! Docker schema 2 documents have the same shape as OCI ones, so both parse into the
//! `oci-spec` types; only the media types differ. Docker schema 1 is refused with a clear
//! message: it has no content-addressed config and is long deprecated.
//!
//! Every document is read with a size cap before it is parsed, so that a hostile store or
//! archive cannot make us read gigabytes into memory as "JSON".
//!
//! [OCI image spec: manifest]: https://github.com/opencontainers/image-spec/blob/main/manifest.md
//! [§ image index]: https://github.com/opencontainers/image-spec/blob/main/image-index.md
//! [§ config]: https://github.com/opencontainers/image-spec/blob/main/config.md

use std::collections::HashSet;
use std::io::Read;

use oci_spec::image::{Descriptor, ImageConfiguration, ImageIndex, ImageManifest};
use serde::Deserialize;

use super::ImageError;
use crate::digest::Digest;
use crate::media;
use crate::platform::Platform;
use crate::store::Store;

/// The largest manifest, index or config we read (registries cap manifests at 4 MiB;
/// configs with long histories stay far below this).
pub const MAX_DOCUMENT: u64 = 16 << 20;

/// Annotation that names a ref in an OCI layout's `index.json`.
pub const ANNOTATION_REF_NAME: &str = "org.opencontainers.image.ref.name";
/// Annotation containerd and docker (≥ 25) put beside it with the full image name.
pub const ANNOTATION_CONTAINERD_NAME: &str = "io.containerd.image.name";

/// What a descriptor points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Manifest,
    Index,
}

/// What a media type says a document is; `None` when it says nothing useful (empty or
/// unknown), in which case the document's own fields decide.
pub fn kind_of_media_type(media_type: &str, what: &str) -> Result<Option<Kind>, ImageError> {
    match media_type {
        media::OCI_MANIFEST | media::DOCKER_MANIFEST => Ok(Some(Kind::Manifest)),
        media::OCI_INDEX | media::DOCKER_LIST => Ok(Some(Kind::Index)),
        media::DOCKER_SCHEMA1 | media::DOCKER_SCHEMA1_SIGNED => Err(ImageError::Schema1 {
            what: what.to_string(),
        }),
        _ => Ok(None),
    }
}

/// Decides from the JSON itself (for descriptors without a useful media type).
pub fn sniff_kind(bytes: &[u8], what: &str) -> Result<Kind, ImageError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        schema_version: Option<u32>,
        media_type: Option<String>,
        manifests: Option<serde_json::Value>,
        layers: Option<serde_json::Value>,
        fs_layers: Option<serde_json::Value>,
    }
    let probe: Probe =
        serde_json::from_slice(bytes).map_err(|e| ImageError::json(what, "manifest", e))?;
    if let Some(mt) = &probe.media_type {
        if let Some(kind) = kind_of_media_type(mt, what)? {
            return Ok(kind);
        }
    }
    if probe.schema_version == Some(1) || probe.fs_layers.is_some() {
        return Err(ImageError::Schema1 {
            what: what.to_string(),
        });
    }
    if probe.manifests.is_some() {
        Ok(Kind::Index)
    } else if probe.layers.is_some() {
        Ok(Kind::Manifest)
    } else {
        Err(ImageError::MediaType {
            what: what.to_string(),
            media_type: probe.media_type.unwrap_or_else(|| "(none)".into()),
        })
    }
}

/// Reads a whole small blob (a manifest, index or config), refusing anything over
/// [`MAX_DOCUMENT`].
pub fn read_document(store: &Store, digest: &Digest, what: &str) -> Result<Vec<u8>, ImageError> {
    let size = store.blob_size(digest).map_err(|_| ImageError::Missing {
        what: format!("{what} ({digest})"),
    })?;
    if size > MAX_DOCUMENT {
        return Err(ImageError::TooLarge {
            what: what.to_string(),
            size,
            limit: MAX_DOCUMENT,
        });
    }
    let file = store.open_blob(digest)?;
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_DOCUMENT)
        .read_to_end(&mut bytes)
        .map_err(|e| ImageError::io("read", store.blob_path(digest), e))?;
    Ok(bytes)
}

/// Reads the document a descriptor points at and says what it is.
pub fn read_kind(store: &Store, desc: &Descriptor) -> Result<(Kind, Vec<u8>), ImageError> {
    let digest = digest_of(desc)?;
    let what = format!("manifest {digest}");
    let bytes = read_document(store, &digest, &what)?;
    let kind = match kind_of_media_type(desc.media_type().as_ref(), &what)? {
        Some(kind) => kind,
        None => sniff_kind(&bytes, &what)?,
    };
    Ok((kind, bytes))
}

/// Parses a manifest (OCI or Docker schema 2).
pub fn parse_manifest(bytes: &[u8], what: &str) -> Result<ImageManifest, ImageError> {
    if let Kind::Index = sniff_kind(bytes, what)? {
        return Err(ImageError::MediaType {
            what: what.to_string(),
            media_type: media::OCI_INDEX.into(),
        });
    }
    serde_json::from_slice(bytes).map_err(|e| ImageError::json(what, "image manifest", e))
}

/// Parses an index (OCI image index or Docker manifest list).
pub fn parse_index(bytes: &[u8], what: &str) -> Result<ImageIndex, ImageError> {
    serde_json::from_slice(bytes).map_err(|e| ImageError::json(what, "image index", e))
}

/// Parses a config, refusing documents that are not container image configs (artifacts).
pub fn parse_config(bytes: &[u8], what: &str) -> Result<ImageConfiguration, ImageError> {
    serde_json::from_slice(bytes).map_err(|e| ImageError::json(what, "image config", e))
}

/// Reads and parses the manifest a descriptor points at.
pub fn read_manifest(store: &Store, desc: &Descriptor) -> Result<ImageManifest, ImageError> {
    let (kind, bytes) = read_kind(store, desc)?;
    let what = format!("manifest {}", desc.digest());
    match kind {
        Kind::Manifest => parse_manifest(&bytes, &what),
        Kind::Index => Err(ImageError::MediaType {
            what,
            media_type: media::OCI_INDEX.into(),
        }),
    }
}

/// Reads and parses the index a descriptor points at.
pub fn read_index(store: &Store, desc: &Descriptor) -> Result<ImageIndex, ImageError> {
    let digest = digest_of(desc)?;
    let what = format!("index {digest}");
    parse_index(&read_document(store, &digest, &what)?, &what)
}

/// Reads and parses the config a manifest names.
pub fn read_config(
    store: &Store,
    manifest: &ImageManifest,
) -> Result<ImageConfiguration, ImageError> {
    let desc = manifest.config();
    let mt = desc.media_type().as_ref();
    if mt != media::OCI_CONFIG && mt != media::DOCKER_CONFIG {
        return Err(ImageError::MediaType {
            what: format!("the config {}", desc.digest()),
            media_type: mt.to_string(),
        });
    }
    let digest = digest_of(desc)?;
    let what = format!("config {digest}");
    parse_config(&read_document(store, &digest, &what)?, &what)
}

/// A descriptor's digest as Strata's type (refusing algorithms other than sha256).
pub fn digest_of(desc: &Descriptor) -> Result<Digest, ImageError> {
    Digest::try_from(desc.digest()).map_err(|e| ImageError::Corrupt(e.to_string()))
}

/// Picks the manifest for `wanted` from an index. Entries without a platform count only
/// when they are the index's sole entry (a one-image OCI layout).
pub fn select_platform<'a>(
    index: &'a ImageIndex,
    wanted: &Platform,
    what: &str,
) -> Result<&'a Descriptor, ImageError> {
    let entries = index.manifests();
    if let [only] = entries.as_slice() {
        if only.platform().is_none() {
            return Ok(only);
        }
    }
    let found = entries.iter().find(|d| {
        d.platform()
            .as_ref()
            .is_some_and(|p| wanted.matches(&Platform::from_oci(p)))
    });
    found.ok_or_else(|| ImageError::NoPlatform {
        what: what.to_string(),
        wanted: wanted.to_string(),
        available: platforms_of(index).join(", "),
    })
}

/// The platforms an index offers, as `os/arch[/variant]` strings, without the
/// `unknown/unknown` entries that build attestations use.
pub fn platforms_of(index: &ImageIndex) -> Vec<String> {
    index
        .manifests()
        .iter()
        .filter_map(|d| d.platform().as_ref())
        .map(|p| Platform::from_oci(p).to_string())
        .filter(|p| p != "unknown/unknown")
        .collect()
}

/// An image read from the store: the manifest chosen (through an index when the ref names
/// one), its config, and the index itself.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    /// The index the ref names, when it names one.
    pub index: Option<(Descriptor, ImageIndex)>,
    pub manifest_descriptor: Descriptor,
    pub manifest: ImageManifest,
    pub config: ImageConfiguration,
}

impl ResolvedImage {
    /// The image ID, as docker defines it: the config's digest.
    pub fn id(&self) -> Result<Digest, ImageError> {
        digest_of(self.manifest.config())
    }
}

/// Reads the image a descriptor names; through an index, the manifest for `platform`
/// (this machine's when `None`).
pub fn resolve(
    store: &Store,
    top: &Descriptor,
    platform: Option<&Platform>,
) -> Result<ResolvedImage, ImageError> {
    let wanted = platform.cloned().unwrap_or_else(Platform::current);
    let mut desc = top.clone();
    let mut index = None;
    // Indexes may nest (an index of indexes); a few levels is every real case.
    for _ in 0..4 {
        let (kind, bytes) = read_kind(store, &desc)?;
        let what = format!("manifest {}", desc.digest());
        match kind {
            Kind::Manifest => {
                let manifest = parse_manifest(&bytes, &what)?;
                let config = read_config(store, &manifest)?;
                return Ok(ResolvedImage {
                    index,
                    manifest_descriptor: desc,
                    manifest,
                    config,
                });
            }
            Kind::Index => {
                let what = format!("index {}", desc.digest());
                let parsed = parse_index(&bytes, &what)?;
                let next = select_platform(&parsed, &wanted, &what)?.clone();
                if index.is_none() {
                    index = Some((desc.clone(), parsed));
                }
                desc = next;
            }
        }
    }
    Err(ImageError::Corrupt(format!(
        "{} nests indexes more than four deep",
        top.digest()
    )))
}

/// Every blob an image needs (the descriptor itself; for an index, every entry's
/// closure; for a manifest, its config and layers), each once, parents before children.
/// Fails when one is missing from the store or has the wrong size: this is the check that
/// runs before a ref is made visible.
pub fn closure(store: &Store, top: &Descriptor) -> Result<Vec<Descriptor>, ImageError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    walk(store, top, &mut out, &mut seen, 0)?;
    Ok(out)
}

fn walk(
    store: &Store,
    desc: &Descriptor,
    out: &mut Vec<Descriptor>,
    seen: &mut HashSet<Digest>,
    depth: usize,
) -> Result<(), ImageError> {
    let digest = digest_of(desc)?;
    if !seen.insert(digest.clone()) {
        return Ok(());
    }
    if depth > 4 {
        return Err(ImageError::Corrupt(format!(
            "{digest} nests indexes more than four deep"
        )));
    }
    check_blob(store, desc, "manifest")?;
    out.push(desc.clone());
    let (kind, bytes) = read_kind(store, desc)?;
    match kind {
        Kind::Index => {
            let index = parse_index(&bytes, &format!("index {digest}"))?;
            for child in index.manifests() {
                walk(store, child, out, seen, depth + 1)?;
            }
        }
        Kind::Manifest => {
            let manifest = parse_manifest(&bytes, &format!("manifest {digest}"))?;
            let config = manifest.config();
            check_blob(store, config, "config")?;
            if seen.insert(digest_of(config)?) {
                out.push(config.clone());
            }
            for layer in manifest.layers() {
                check_blob(store, layer, "layer")?;
                if seen.insert(digest_of(layer)?) {
                    out.push(layer.clone());
                }
            }
        }
    }
    Ok(())
}

/// A descriptor's blob is in the store with the size the descriptor states.
fn check_blob(store: &Store, desc: &Descriptor, what: &str) -> Result<(), ImageError> {
    let digest = digest_of(desc)?;
    match store.blob_size(&digest) {
        Ok(size) if size == desc.size() => Ok(()),
        Ok(size) => Err(ImageError::Corrupt(format!(
            "{what} {digest} is {size} bytes, but its descriptor says {}",
            desc.size()
        ))),
        Err(_) => Err(ImageError::Missing {
            what: format!("{what} {digest}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_of(platforms: &[&str]) -> ImageIndex {
        let manifests: Vec<serde_json::Value> = platforms
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let s: Platform = p.parse().unwrap();
                serde_json::json!({
                    "mediaType": media::OCI_MANIFEST,
                    "digest": format!("sha256:{:064x}", i + 1),
                    "size": 100,
                    "platform": {"os": s.os, "architecture": s.architecture, "variant": s.variant}
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({"schemaVersion": 2, "manifests": manifests}))
            .unwrap()
    }

    #[test]
    fn selects_the_wanted_platform_or_lists_what_there_is() {
        let index = index_of(&["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]);
        let pick = |s: &str| {
            select_platform(&index, &s.parse().unwrap(), "index x").map(|d| d.digest().to_string())
        };
        assert!(pick("linux/arm64").unwrap().ends_with("2"));
        assert!(pick("linux/amd64").unwrap().ends_with("1"));
        let err = pick("linux/s390x").unwrap_err().to_string();
        assert_eq!(
            err,
            "index x has no image for linux/s390x; it has: linux/amd64, linux/arm64/v8, linux/arm/v7"
        );
    }

    #[test]
    fn schema1_is_refused_by_media_type_and_by_content() {
        let err = kind_of_media_type(media::DOCKER_SCHEMA1_SIGNED, "manifest m").unwrap_err();
        assert!(err.to_string().contains("Docker schema 1"));
        let doc = br#"{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}"#;
        assert!(matches!(
            sniff_kind(doc, "m"),
            Err(ImageError::Schema1 { .. })
        ));
    }

    #[test]
    fn sniffs_docker_manifests_without_media_type_in_descriptor() {
        let doc = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": media::DOCKER_MANIFEST,
            "config": {"mediaType": media::DOCKER_CONFIG, "size": 2,
                       "digest": format!("sha256:{:064x}", 1)},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "size": 3, "digest": format!("sha256:{:064x}", 2)}]
        })
        .to_string();
        assert_eq!(sniff_kind(doc.as_bytes(), "m").unwrap(), Kind::Manifest);
        let m = parse_manifest(doc.as_bytes(), "m").unwrap();
        assert_eq!(m.layers().len(), 1);
        assert_eq!(m.config().media_type().as_ref(), media::DOCKER_CONFIG);
    }
}
