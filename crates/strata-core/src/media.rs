//! The media types Strata reads and writes, in one place: OCI's ([OCI image spec §
//! media types]) and Docker's schema 2 twins ([image manifest v2 schema 2]). The store,
//! `image`, `layer`, `registry` and `container` all name documents and layers by these.
//!
//! [OCI image spec § media types]: https://github.com/opencontainers/image-spec/blob/main/media-types.md
//! [image manifest v2 schema 2]: https://distribution.github.io/distribution/spec/manifest-v2-2/

/// An OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// An OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// An OCI image config.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// Docker's schema 2 manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker's manifest list (its index).
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker's image config.
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// Docker's schema 1 manifest, which Strata refuses.
pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
/// Docker's signed schema 1 manifest, which Strata refuses.
pub const DOCKER_SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// An uncompressed OCI layer.
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
/// A gzip OCI layer.
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// A zstd OCI layer.
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
/// An uncompressed OCI layer that must not be pushed to other registries.
pub const OCI_LAYER_NONDISTRIBUTABLE: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
/// A gzip OCI layer that must not be pushed to other registries.
pub const OCI_LAYER_NONDISTRIBUTABLE_GZIP: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
/// A zstd OCI layer that must not be pushed to other registries.
pub const OCI_LAYER_NONDISTRIBUTABLE_ZSTD: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
/// An uncompressed Docker layer (what `docker load` accepts without gzip).
pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar";
/// A gzip Docker layer.
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// A Docker layer that must not be pushed to other registries.
pub const DOCKER_LAYER_FOREIGN: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/// Whether a media type names a manifest (OCI or Docker schema 2).
pub fn is_manifest(media_type: &str) -> bool {
    matches!(media_type, OCI_MANIFEST | DOCKER_MANIFEST)
}

/// Whether a media type names an index (OCI index or Docker manifest list).
pub fn is_index(media_type: &str) -> bool {
    matches!(media_type, OCI_INDEX | DOCKER_LIST)
}

/// Whether a media type names a Docker schema 1 manifest.
pub fn is_schema1(media_type: &str) -> bool {
    matches!(media_type, DOCKER_SCHEMA1 | DOCKER_SCHEMA1_SIGNED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_apart() {
        assert!(is_manifest(OCI_MANIFEST) && is_manifest(DOCKER_MANIFEST));
        assert!(is_index(OCI_INDEX) && is_index(DOCKER_LIST));
        assert!(is_schema1(DOCKER_SCHEMA1_SIGNED));
        assert!(!is_manifest(OCI_CONFIG) && !is_index(OCI_LAYER_GZIP));
    }
}
