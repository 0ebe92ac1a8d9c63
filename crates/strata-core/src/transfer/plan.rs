//! What a transfer moves, read from its source before any byte moves: the top manifest or
//! index; for an index, either every image in it (and in the indexes it names, four deep
//! at most) or the one for a platform; and every blob those images list (config first,
//! then layers), each once.
//! ([OCI image spec § manifest], [§ index])
//!
//! [OCI image spec § manifest]: https://github.com/opencontainers/image-spec/blob/main/manifest.md
//! [§ index]: https://github.com/opencontainers/image-spec/blob/main/image-index.md

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
    };
    match manifest::kind_of(&top.media_type) {
        Kind::Manifest => {
            list_blobs(&mut plan.blobs, &top, what, &from)?;
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
                    list_blobs(&mut plan.blobs, &child, what, &from)?;
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
                Kind::Manifest => list_blobs(&mut plan.blobs, &child, what, &from)?,
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
    blobs: &mut Vec<Blob>,
    raw: &RawManifest,
    what: &str,
    from: &str,
) -> Result<(), RegistryError> {
    let parsed = manifest::parse_manifest(&raw.bytes, what, from)?;
    let listed = std::iter::once((parsed.config(), UnitKind::Config))
        .chain(parsed.layers().iter().map(|l| (l, UnitKind::Layer)));
    for (desc, kind) in listed {
        let digest = manifest::digest_of(desc, from)?;
        if blobs.iter().all(|b| b.digest != digest) {
            blobs.push(Blob {
                digest,
                size: desc.size(),
                kind,
            });
        }
    }
    Ok(())
}
