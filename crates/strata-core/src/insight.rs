//! What an image holds and wastes, read from its layers' tar streams (nothing is unpacked).
//!
//! | module | job |
//! |---|---|
//! | [`analyze`] | wasted space: dive's efficiency score and wasted bytes, and our hidden bytes per layer and per path; the largest files; files a later layer deleted |
//!
//! Layers count from 0 (the bottom), as [`crate::image::files`] and the app count them.
//! Errors are [`FilesError`](crate::image::files::FilesError): analysing reads the same
//! store blobs and layer streams as browsing an image's files.

pub mod analyze;

pub use analyze::{
    analyze, Analysis, AnalyzeOptions, DiveScore, HiddenPath, HiddenVersion, LargeFile, LayerUse,
    WastedPath, Why,
};
