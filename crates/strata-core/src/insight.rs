//! What an image holds and wastes, read from its layers' tar streams (nothing is unpacked).
//!
//! | module | job |
//! |---|---|
//! | [`analyze`] | wasted space: dive's efficiency score and wasted bytes, and our hidden bytes per layer and per path; the largest files; files a later layer deleted |
//! | [`compare`] | two images: shared layers by digest, the files that differ in their merged trees, config differences |
//!
//! Layers count from 0 (the bottom), as [`crate::image::files`] and the app count them.
//! Errors are [`FilesError`](crate::image::files::FilesError): analysing reads the same
//! store blobs and layer streams as browsing an image's files.

pub mod analyze;
pub mod compare;

pub use analyze::{
    analyze, Analysis, AnalyzeOptions, DiveScore, HiddenPath, HiddenVersion, LargeFile, LayerUse,
    WastedPath, Why,
};
pub use compare::{compare, Comparison, ConfigDiff, FileChange, FileDiff, FileSide};
