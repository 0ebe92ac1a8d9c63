//! What a transfer moves, read from its source before any byte moves: the top manifest or
//! index; for an index, either every image in it (and in the indexes it names, four deep
//! at most) or the one for a platform; and every blob those images list (config first,
//! then layers), each once.
//! ([OCI image spec § manifest], [§ index])
//!
//! [OCI image spec § manifest]: https://github.com/opencontainers/image-spec/blob/main/manifest.md
//! [§ index]: https://github.com/opencontainers/image-spec/blob/main/image-index.md

use std::collections::HashSet;

use futures::future::BoxFuture;
use futures::FutureExt;
use oci_spec::image::ImageIndex;

use super::endpoint::{Blob, Manifest, Role, Source};
use crate::digest::Digest;
use crate::platform::Platform;
use crate::registry::manifest::{self, Kind};
use crate::registry::{RawManifest, RegistryError};
use crate::task::UnitKind;

/// Which images of an index a transfer takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Selection {
    /// Every image: the index is written as it is (push, copy).
    #[default]
    All,
    /// The image for this platform: it becomes the top, and the index is kept unnamed
    /// beside it (pull).
    Platform(Platform),
}

/// The manifests to write, in order (the top one last), and the blobs they list.
pub(crate) struct Plan {
    pub manifests: Vec<Manifest>,
    pub blobs: Vec<Blob>,
    /// The index a platform's image was chosen from.
    pub index: Option<Digest>,
    pub platform: Option<Platform>,
    /// The digests in `blobs`, to list each once without comparing it with every other.
    listed: HashSet<Digest>,
}

impl Plan {
    /// The manifest the transfer names.
    pub fn top(&self) -> Option<&RawManifest> {
        self.manifests
            .iter()
            .find(|m| matches!(m.role, Role::Top { .. }))
            .map(|m| &m.raw)
    }
}

/// Reads the plan of `what` (the reference, for messages) from `source`.
pub(crate) async fn walk(
    source: &impl Source,
    selection: &Selection,
    what: &str,
) -> Result<Plan, RegistryError> {
    let top = source.top().await?;
    let from = source.describe().to_string();
    let mut plan = Plan {
        manifests: Vec::new(),
        blobs: Vec::new(),
        index: None,
        platform: None,
        listed: HashSet::new(),
    };
    match manifest::kind_of(&top.media_type) {
        Kind::Manifest => {
            list_blobs(&mut plan, &top, what, &from)?;
            check_size(&plan, what, &from)?;
            plan.manifests.push(Manifest {
                raw: top,
                role: Role::Top { platform: None },
            });
        }
        Kind::Index => {
            let index = manifest::parse_index(&top.bytes, what, &from)?;
            match selection {
                Selection::All => {
                    take_index(source, &mut plan, &index, what, 1).await?;
                    plan.manifests.push(Manifest {
                        raw: top,
                        role: Role::Top { platform: None },
                    });
                }
                Selection::Platform(wanted) => {
                    let entry = manifest::select(&index, wanted, what)?;
                    let child = source.manifest(entry).await?;
                    if manifest::kind_of(&child.media_type) != Kind::Manifest {
                        return Err(not_an_image(what, child.media_type));
                    }
                    list_blobs(&mut plan, &child, what, &from)?;
                    check_size(&plan, what, &from)?;
                    plan.platform = Some(wanted.clone());
                    plan.index = Some(top.digest.clone());
                    // The index first, kept unnamed; then the platform's image, named.
                    plan.manifests.push(Manifest {
                        raw: top,
                        role: Role::Part,
                    });
                    plan.manifests.push(Manifest {
                        raw: child,
                        role: Role::Top {
                            platform: entry.platform().clone(),
                        },
                    });
                }
            }
        }
        Kind::Schema1 => {
            return Err(RegistryError::Schema1 {
                reference: what.to_string(),
            })
        }
        Kind::Other => {
            return Err(RegistryError::MediaType {
                what: what.to_string(),
                media_type: top.media_type,
            })
        }
    }
    Ok(plan)
}

/// Indexes nest at most this deep (an index of indexes of images is two).
const MAX_DEPTH: usize = 4;

/// Most manifests one transfer reads, and most bytes of them: each is kept whole until it
/// is written, and each may be 4 MiB. A multi-platform image has tens; a hostile index of
/// 30,000 entries, each an index of its own, would otherwise be read to the end.
const MAX_MANIFESTS: usize = 1_000;
const MAX_MANIFEST_BYTES: usize = 64 << 20;

/// Most blobs one transfer lists: docker stops an image at 127 layers, so this is a
/// thousand platforms' worth; a hostile manifest of 30,000 layers per child is refused
/// instead of being compared blob by blob with every one listed before.
const MAX_BLOBS: usize = 100_000;

/// Refuses a plan past [`MAX_MANIFESTS`], [`MAX_MANIFEST_BYTES`] or [`MAX_BLOBS`].
fn check_size(plan: &Plan, what: &str, from: &str) -> Result<(), RegistryError> {
    let bytes: usize = plan.manifests.iter().map(|m| m.raw.bytes.len()).sum();
    if plan.manifests.len() > MAX_MANIFESTS
        || bytes > MAX_MANIFEST_BYTES
        || plan.blobs.len() > MAX_BLOBS
    {
        return Err(RegistryError::Protocol {
            registry: from.to_string(),
            reason: format!(
                "{what} lists more than Strata copies in one go ({MAX_MANIFESTS} manifests, \
                 {} MiB of them, {MAX_BLOBS} blobs)",
                MAX_MANIFEST_BYTES >> 20
            ),
        });
    }
    Ok(())
}

/// Adds every image of `index` (at `depth`), and of the indexes it names, each manifest
/// once, before the index that names it.
fn take_index<'a, S: Source>(
    source: &'a S,
    plan: &'a mut Plan,
    index: &'a ImageIndex,
    what: &'a str,
    depth: usize,
) -> BoxFuture<'a, Result<(), RegistryError>> {
    async move {
        let from = source.describe().to_string();
        for entry in index.manifests() {
            let child = source.manifest(entry).await?;
            if plan.manifests.iter().any(|m| m.raw.digest == child.digest) {
                continue;
            }
            match manifest::kind_of(&child.media_type) {
                Kind::Manifest => {
                    list_blobs(plan, &child, what, &from)?;
                    check_size(plan, what, &from)?;
                }
                Kind::Index if depth < MAX_DEPTH => {
                    let nested = manifest::parse_index(&child.bytes, what, &from)?;
                    take_index(source, plan, &nested, what, depth + 1).await?;
                }
                Kind::Index => {
                    return Err(RegistryError::Protocol {
                        registry: from,
                        reason: format!("{what} nests indexes more than {MAX_DEPTH} deep"),
                    })
                }
                _ => return Err(not_an_image(what, child.media_type)),
            }
            plan.manifests.push(Manifest {
                raw: child,
                role: Role::Part,
            });
            check_size(plan, what, &from)?;
        }
        Ok(())
    }
    .boxed()
}

fn not_an_image(what: &str, media_type: String) -> RegistryError {
    RegistryError::MediaType {
        what: format!("an entry of the index {what}"),
        media_type,
    }
}

/// Adds the config and layers of an image manifest that are not listed yet.
fn list_blobs(
    plan: &mut Plan,
    raw: &RawManifest,
    what: &str,
    from: &str,
) -> Result<(), RegistryError> {
    let parsed = manifest::parse_manifest(&raw.bytes, what, from)?;
    let listed = std::iter::once((parsed.config(), UnitKind::Config))
        .chain(parsed.layers().iter().map(|l| (l, UnitKind::Layer)));
    for (desc, kind) in listed {
        if plan.blobs.len() > MAX_BLOBS {
            break; // the caller refuses the plan
        }
        let digest = manifest::digest_of(desc, from)?;
        if plan.listed.insert(digest.clone()) {
            plan.blobs.push(Blob {
                digest,
                size: desc.size(),
                kind,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use oci_spec::image::Descriptor;
    use serde_json::json;

    use super::*;
    use crate::transfer::endpoint::{Data, Origin};

    /// A registry holding one index or manifest and the manifests it names.
    struct Fake {
        top: RawManifest,
        children: HashMap<String, RawManifest>,
    }

    fn raw(value: serde_json::Value) -> RawManifest {
        let bytes = serde_json::to_vec(&value).unwrap();
        RawManifest {
            digest: Digest::of(&bytes),
            media_type: value["mediaType"].as_str().unwrap().to_string(),
            bytes: bytes.into(),
        }
    }

    fn layer(i: usize) -> serde_json::Value {
        json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
               "digest": Digest::of(format!("layer {i}").as_bytes()).to_string(), "size": 1})
    }

    fn image(config: usize, layers: std::ops::Range<usize>) -> RawManifest {
        raw(json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": Digest::of(format!("config {config}").as_bytes()).to_string(), "size": 1},
            "layers": layers.map(layer).collect::<Vec<_>>(),
        }))
    }

    fn index_of(images: Vec<RawManifest>) -> Fake {
        let entries: Vec<_> = images
            .iter()
            .map(|m| {
                json!({"mediaType": m.media_type, "digest": m.digest.to_string(),
                            "size": m.bytes.len()})
            })
            .collect();
        let top = raw(json!({"schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}));
        let children = images
            .into_iter()
            .map(|m| (m.digest.to_string(), m))
            .collect();
        Fake { top, children }
    }

    impl Source for Fake {
        fn describe(&self) -> &str {
            "127.0.0.1:5000"
        }
        async fn top(&self) -> Result<RawManifest, RegistryError> {
            Ok(self.top.clone())
        }
        async fn manifest(&self, entry: &Descriptor) -> Result<RawManifest, RegistryError> {
            Ok(self.children[entry.digest().as_ref()].clone())
        }
        async fn check(&self, _: &[Blob]) -> Result<(), RegistryError> {
            Ok(())
        }
        async fn blob<'a>(&'a self, _: &'a Blob) -> Result<Data<'a>, RegistryError> {
            unreachable!("a plan reads no blob")
        }
        fn origin(&self) -> Option<Origin<'_>> {
            None
        }
    }

    fn plan(fake: &Fake) -> Result<Plan, RegistryError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(walk(fake, &Selection::All, "127.0.0.1:5000/hostile:1"))
    }

    #[test]
    fn an_index_lists_each_blob_once_across_its_images() {
        let fake = index_of(vec![image(1, 0..3), image(2, 2..5)]);
        let plan = plan(&fake).unwrap();
        assert_eq!(plan.manifests.len(), 3);
        assert_eq!(plan.blobs.len(), 2 + 5, "two configs, five layers");
    }

    /// A hostile registry's index fans out without end: too many images, or images of
    /// too many layers, is refused while reading the plan, before anything is written.
    #[test]
    fn an_index_listing_more_than_a_copy_takes_is_refused() {
        let many: Vec<_> = (0..=MAX_MANIFESTS).map(|i| image(i, i..i + 1)).collect();
        let err = plan(&index_of(many)).err().expect("refused").to_string();
        assert!(
            err.contains("lists more than Strata copies in one go"),
            "{err}"
        );

        let per = MAX_BLOBS / 10 + 1;
        let wide: Vec<_> = (0..10).map(|i| image(i, i * per..(i + 1) * per)).collect();
        let err = plan(&index_of(wide)).err().expect("refused").to_string();
        assert!(err.contains("100000 blobs"), "{err}");
    }
}
