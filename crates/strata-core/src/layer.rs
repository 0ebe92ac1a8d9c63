//! Tar layers, as the [OCI image spec: layer.md] defines them: read, write, compress, the
//! whiteouts that delete lower files, applying a layer to a directory safely, and the merged
//! (UnionFS) view of a stack of layers.
//!
//! Every submodule has one job and works on `Read` streams and directories, never on the
//! store: the caller opens the blob.
//!
//! | submodule | job | spec |
//! |---|---|---|
//! | [`compression`] | detect and undo gzip / zstd, with caps on what a layer may inflate to | [§ Distributable format] |
//! | [`encode`] | compress on every core: gzip in independent blocks, zstd with workers | [§ Distributable format] |
//! | [`entry`] | one tar entry classified: kind, normalised path, whiteout, opaque dir, xattrs | [§ Change types], [§ Whiteouts] |
//! | [`changes`](mod@changes) | one layer's changes (added, changed, whited out, opaque) against the layers below | [§ Changesets] |
//! | [`merged`] | the merged tree at layer N, built by streaming each tar once; read a file from it | [§ Applying changesets] |
//! | [`apply`](mod@apply) | apply a layer to a directory without letting any entry write outside it | [§ Applying changesets] |
//! | [`write`](mod@write) | a deterministic layer tar from a directory or a change list, with diff_id and digest in one pass | [§ Creating] |
//!
//! Errors from every submodule are one [`LayerError`].
//!
//! [OCI image spec: layer.md]: https://github.com/opencontainers/image-spec/blob/main/layer.md
//! [§ Distributable format]: https://github.com/opencontainers/image-spec/blob/main/layer.md#distributable-format
//! [§ Change types]: https://github.com/opencontainers/image-spec/blob/main/layer.md#change-types
//! [§ Whiteouts]: https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts
//! [§ Changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#changesets
//! [§ Applying changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#applying-changesets
//! [§ Creating]: https://github.com/opencontainers/image-spec/blob/main/layer.md#creating

pub mod apply;
pub mod changes;
pub mod compression;
pub mod encode;
pub mod entry;
mod error;
pub mod merged;
pub mod write;

pub use apply::{apply, apply_fresh, apply_tar, ApplyOptions, ApplyStats, Whiteouts};
pub use changes::{changes, visit_changes, Change, ChangeKind};
pub use compression::{decompress, Compression, Limits};
pub use entry::{Entry, EntryAction, Kind};
pub use error::LayerError;
pub use merged::{read_file, Deletion, DeletionKind, MergedTree, Node};
pub use write::{
    write_dir, write_entries, write_overlay_upper, LayerChange, LayerWritten, WriteOptions,
};
