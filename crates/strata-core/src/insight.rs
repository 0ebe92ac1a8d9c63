//! What an image holds, wastes and lacks, read from its layers' tar streams (nothing is
//! unpacked), and whether its registry has a newer one.
//!
//! | module | job |
//! |---|---|
//! | [`analyze`](mod@analyze) | wasted space: dive's efficiency score and wasted bytes, and our hidden bytes per layer and per path; the largest files; files a later layer deleted |
//! | [`compare`](mod@compare) | two images: shared layers by digest, the files that differ in their merged trees, config differences |
//! | [`packages`](mod@packages) | the OS packages installed (dpkg, apk, rpm) and the OS, and an SBOM of them (CycloneDX 1.5, SPDX 2.3) |
//! | `rpmdb` | rpm's sqlite, ndb and Berkeley DB databases and the RPM headers in them, read from their bytes |
//! | [`outdated`](mod@outdated) | each local image pulled from a registry against what its tag names there now |
//!
//! Layers count from 0 (the bottom), as [`crate::image::files`] and the app count them.
//! Errors of the local ones are [`FilesError`](crate::image::files::FilesError): they read
//! the same store blobs and layer streams as browsing an image's files. [`outdated`](fn@outdated) fails
//! only when the store cannot be read; a registry's answer is per image.

pub mod analyze;
pub mod compare;
pub mod outdated;
pub mod packages;
mod rpmdb;

pub use analyze::{
    analyze, Analysis, AnalyzeOptions, DiveScore, HiddenPath, HiddenVersion, LargeFile, LayerUse,
    WastedPath, Why,
};
pub use compare::{compare, Comparison, ConfigDiff, FileChange, FileDiff, FileSide};
pub use outdated::{outdated, Freshness, OutdatedImage};
pub use packages::{
    packages, sbom, write_sbom, Database, Manager, OsRelease, Package, Packages, SbomFormat,
};
