//! What a pull needs to know about a manifest ([OCI image spec § manifest], [§ index],
//! Docker's [image manifest v2 schema 2]): its kind, the blobs it lists, and for an index
//! the entry matching a platform.
//!
//! The `image` module owns manifests in general; this file keeps only the small part the
//! transfer needs, on `oci-spec` types, so that the registry client does not wait on it.
//!
//! [OCI image spec § manifest]: https://github.com/opencontainers/image-spec/blob/main/manifest.md
//! [§ index]: https://github.com/opencontainers/image-spec/blob/main/image-index.md
//! [image manifest v2 schema 2]: https://distribution.github.io/distribution/spec/manifest-v2-2/

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};

use super::error::RegistryError;
use crate::digest::Digest;

pub use crate::media::{DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use crate::media::{DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED};
pub use crate::platform::Platform;

/// What a manifest document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Manifest,
    Index,
    Schema1,
    Other,
}

pub fn kind_of(media_type: &str) -> Kind {
    match media_type {
        OCI_MANIFEST | DOCKER_MANIFEST => Kind::Manifest,
        OCI_INDEX | DOCKER_LIST => Kind::Index,
        DOCKER_SCHEMA1 | DOCKER_SCHEMA1_SIGNED => Kind::Schema1,
        _ => Kind::Other,
    }
}

/// The media type of a manifest: the server's `Content-Type` when it is a manifest type,
/// else the document's own `mediaType`, else guessed from its shape (an OCI manifest may
/// omit `mediaType`; some registries answer `application/json`).
pub(crate) fn media_type_of(content_type: Option<&str>, bytes: &[u8]) -> String {
    if let Some(ct) = content_type {
        if kind_of(ct) != Kind::Other {
            return ct.to_string();
        }
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "schemaVersion")]
        schema_version: Option<u32>,
        #[serde(rename = "mediaType")]
        media_type: Option<String>,
        manifests: Option<serde_json::Value>,
        layers: Option<serde_json::Value>,
    }
    match serde_json::from_slice::<Probe>(bytes) {
        Ok(p) if p.schema_version == Some(1) => DOCKER_SCHEMA1.into(),
        Ok(Probe {
            media_type: Some(mt),
            ..
        }) => mt,
        Ok(p) if p.manifests.is_some() => OCI_INDEX.into(),
        Ok(p) if p.layers.is_some() => OCI_MANIFEST.into(),
        _ => content_type
            .unwrap_or("application/octet-stream")
            .to_string(),
    }
}

pub(crate) fn parse_manifest(
    bytes: &[u8],
    what: &str,
    registry: &str,
) -> Result<ImageManifest, RegistryError> {
    // serde_json directly: oci-spec's own reader says only "serde failed", without the
    // field, the value and the position that serde_json names.
    serde_json::from_slice::<ImageManifest>(bytes).map_err(|e| RegistryError::Protocol {
        registry: registry.to_string(),
        reason: format!("{what} is not a valid image manifest: {e}"),
    })
}

pub(crate) fn parse_index(
    bytes: &[u8],
    what: &str,
    registry: &str,
) -> Result<ImageIndex, RegistryError> {
    serde_json::from_slice::<ImageIndex>(bytes).map_err(|e| RegistryError::Protocol {
        registry: registry.to_string(),
        reason: format!("{what} is not a valid image index: {e}"),
    })
}

/// A descriptor's digest as Strata's sha256 type.
pub(crate) fn digest_of(d: &Descriptor, registry: &str) -> Result<Digest, RegistryError> {
    Digest::try_from(d.digest()).map_err(|e| RegistryError::Protocol {
        registry: registry.to_string(),
        reason: format!("a descriptor has an unusable digest: {e}"),
    })
}

/// Parses `--platform`: `os/arch[/variant]`.
pub fn parse_platform(text: &str) -> Result<Platform, RegistryError> {
    Ok(text.parse::<Platform>()?)
}

/// The index entry for `wanted`, by the `image` module's rule, as a registry error.
pub(crate) fn select<'a>(
    index: &'a ImageIndex,
    wanted: &Platform,
    reference: &str,
) -> Result<&'a Descriptor, RegistryError> {
    crate::image::model::select_platform(index, wanted, reference).map_err(|_| {
        let available = crate::image::model::platforms_of(index);
        RegistryError::NoPlatform {
            reference: reference.to_string(),
            wanted: wanted.to_string(),
            available: if available.is_empty() {
                "no platforms".into()
            } else {
                available.join(", ")
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> ImageIndex {
        let entry = |arch: &str, variant: Option<&str>, n: u8| {
            let variant = variant
                .map(|v| format!(r#","variant":"{v}""#))
                .unwrap_or_default();
            format!(
                r#"{{"mediaType":"{OCI_MANIFEST}","size":1,"digest":"sha256:{}","platform":{{"os":"linux","architecture":"{arch}"{variant}}}}}"#,
                format!("{n:02x}").repeat(32)
            )
        };
        let text = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{},{},{}]}}"#,
            entry("amd64", None, 1),
            entry("arm", Some("v6"), 2),
            entry("arm64", Some("v8"), 3)
        );
        ImageIndex::from_reader(text.as_bytes()).unwrap()
    }

    #[test]
    fn chooses_the_platform_asked_for() {
        let idx = index();
        for (wanted, want_hex) in [
            ("linux/amd64", "01"),
            ("linux/arm/v6", "02"),
            ("linux/arm64", "03"),
        ] {
            let d = select(&idx, &parse_platform(wanted).unwrap(), "x").unwrap();
            assert!(d.digest().to_string().ends_with(want_hex), "{wanted}");
        }
        let err = select(&idx, &parse_platform("linux/arm/v7").unwrap(), "app:1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "app:1 has no image for linux/arm/v7; it has: linux/amd64, linux/arm/v6, linux/arm64/v8"
        );
    }

    #[test]
    fn media_type_comes_from_header_body_or_shape() {
        assert_eq!(media_type_of(Some(DOCKER_MANIFEST), b"{}"), DOCKER_MANIFEST);
        assert_eq!(
            media_type_of(Some("application/json"), br#"{"schemaVersion":1}"#),
            DOCKER_SCHEMA1
        );
        assert_eq!(
            media_type_of(None, br#"{"schemaVersion":2,"manifests":[]}"#),
            OCI_INDEX
        );
        assert_eq!(
            kind_of(&media_type_of(None, br#"{"schemaVersion":2,"layers":[]}"#)),
            Kind::Manifest
        );
        assert!(parse_platform("linux").is_err());
        assert!(parse_platform("linux/amd64/v1/x").is_err());
    }
}
