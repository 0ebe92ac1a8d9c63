//! Images as the [OCI image spec] describes them: manifests, indexes (manifest lists),
//! configs and their history, platform selection; and moving images in and out of the
//! store as `docker save` archives, OCI archives and OCI layout directories.
//!
//! | module | job |
//! |---|---|
//! | [`model`] | read a manifest, an index or a config from the store; media types; platforms |
//! | [`inspect`](mod@inspect) | what `strata inspect` and `strata history` show |
//! | [`import`](mod@import) | docker-archive, OCI archive and OCI layout in (a transfer from the archive to the store), verified before any ref appears |
//! | [`export`](mod@export) | docker-archive, OCI layout and OCI archive out (a transfer from the store to the archive), written aside then renamed |
//! | [`rootfs`] | `import-rootfs`: a one-layer image from a directory or a tar |
//! | [`files`] | the merged tree at layer N, one layer's changes, a file's content (`strata files`) |
//! | [`change`] | `--change` instructions (`CMD`, `ENV`, …) applied to a config |
//! | [`table`] | the image table: a row per name, with ID, size and sharing (`strata images`) |
//!
//! [OCI image spec]: https://github.com/opencontainers/image-spec/blob/main/spec.md

pub mod change;
pub mod error;
pub mod export;
pub mod files;
pub mod import;
pub mod inspect;
pub mod model;
pub mod rootfs;
pub mod table;
pub(crate) mod tarout;

pub use change::apply_change;
pub use error::ImageError;
pub use export::{
    check_destination, export, export_docker_stream, ExportFormat, ExportOptions, Exported,
};
pub use import::{import, ImportOptions, Imported, ImportedImage};
pub use inspect::{
    history, inspect, HistoryEntry, ImageDetails, InspectOptions, LayerDetails, RunConfig,
};
pub use model::ResolvedImage;
pub use rootfs::{import_rootfs, RootfsOptions};
