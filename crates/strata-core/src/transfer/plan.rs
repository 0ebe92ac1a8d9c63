//! What a transfer moves, read from its source before any byte moves: the top manifest or
//! index; for an index, either every image in it or the one for a platform; and every
//! blob those images list (config first, then layers), each once.
//! ([OCI image spec § manifest], [§ index])
//!
//! [OCI image spec § manifest]: https://github.com/opencontainers/image-spec/blob/main/manifest.md
//! [§ index]: https://github.com/opencontainers/image-spec/blob/main/image-index.md

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
            let entries: Vec<_> = match selection {
                Selection::All => index.manifests().iter().collect(),
                Selection::Platform(wanted) => vec![manifest::select(&index, wanted, what)?],
            };
            for entry in entries {
                let child = source.manifest(entry).await?;
                if manifest::kind_of(&child.media_type) != Kind::Manifest {
                    return Err(RegistryError::MediaType {
                        what: format!("an entry of the index {what}"),
                        media_type: child.media_type,
                    });
                }
                list_blobs(&mut plan.blobs, &child, what, &from)?;
                let role = match selection {
                    Selection::All => Role::Part,
                    Selection::Platform(wanted) => {
                        plan.platform = Some(wanted.clone());
                        Role::Top {
                            platform: entry.platform().clone(),
                        }
                    }
                };
                plan.manifests.push(Manifest { raw: child, role });
            }
            let role = match selection {
                Selection::All => Role::Top { platform: None },
                Selection::Platform(_) => {
                    plan.index = Some(top.digest.clone());
                    Role::Part
                }
            };
            // Written before the top one either way: an unnamed index, or the named one.
            let at = if role == Role::Part {
                0
            } else {
                plan.manifests.len()
            };
            plan.manifests.insert(at, Manifest { raw: top, role });
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
