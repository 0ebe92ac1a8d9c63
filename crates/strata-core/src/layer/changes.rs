//! One layer's changes, read against the layers below it ([§ Changesets]): every entry is
//! an addition, a change (the path existed below), a whiteout or an opaque directory.
//!
//! [§ Changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#changesets
