//! The one error type of the [`image`](super) module.

use std::io;
use std::path::PathBuf;

use crate::problem::{Code, Explain, Hint, HintKey};

/// Why reading, importing or exporting an image failed. Import errors always mean that
/// no name was added or changed in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The store refused or could not find something.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A name given or found in an archive is not a valid reference.
    #[error(transparent)]
    Reference(#[from] crate::reference::ReferenceError),
    /// A layer could not be read or written.
    #[error(transparent)]
    Layer(#[from] crate::layer::LayerError),
    /// A Docker schema 1 manifest, which carries no content-addressed config.
    #[error("{what} is a Docker schema 1 manifest, a format Strata does not read")]
    Schema1 { what: String },
    /// A media type where a manifest, index or config was expected.
    #[error(
        "{what} has media type `{media_type}`, which is not an image manifest, index or config"
    )]
    MediaType { what: String, media_type: String },
    /// JSON that does not parse as what it should be.
    #[error("{what} is not a valid {kind}: {source}")]
    Json {
        what: String,
        kind: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// A platform string like `linux/arm64/v8` that does not parse.
    #[error("`{0}` is not a platform: expected OS/ARCH or OS/ARCH/VARIANT, e.g. linux/amd64")]
    BadPlatform(String),
    /// An index with no manifest for the wanted platform.
    #[error("{what} has no image for {wanted}; it has: {available}")]
    NoPlatform {
        what: String,
        wanted: String,
        available: String,
    },
    /// A file could not be read or written.
    #[error("cannot {action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The input is neither a docker-archive nor an OCI archive or layout.
    #[error("{} is not a docker archive, an OCI layout or a skopeo dir: folder; {}", path.display(), crate::transfer::archive::FORMATS)]
    NotAnArchive { path: PathBuf },
    /// The archive's content contradicts itself or its digests.
    #[error("the archive is corrupt: {0}")]
    Corrupt(String),
    /// A piece the image needs is absent.
    #[error("{what} is missing")]
    Missing { what: String },
    /// Metadata larger than any sane one, refused before reading it into memory.
    #[error("{what} is {size} bytes, over the {limit}-byte limit for metadata")]
    TooLarge { what: String, size: u64, limit: u64 },
    /// Nothing names the imported image.
    #[error("{0}")]
    NeedsName(String),
    /// The export target is in the way: a folder, or (for `oci-dir`) anything but an
    /// empty folder. Never replaced.
    #[error("{} already exists", path.display())]
    Exists { path: PathBuf },
    /// The export target is an existing file, and replacing it was not asked for.
    #[error("{} already exists; it is replaced only when you say so", path.display())]
    WouldOverwrite { path: PathBuf },
    /// A `--change` instruction that cannot be applied.
    #[error("cannot apply the change `{change}`: {reason}")]
    BadChange { change: String, reason: String },
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl ImageError {
    /// An I/O error, or [`ImageError::Cancelled`] when it is a cancellation.
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        if crate::task::is_cancelled(&source) {
            ImageError::Cancelled
        } else {
            ImageError::Io {
                action,
                path: path.into(),
                source,
            }
        }
    }

    pub(crate) fn json(
        what: impl Into<String>,
        kind: &'static str,
        source: serde_json::Error,
    ) -> Self {
        ImageError::Json {
            what: what.into(),
            kind,
            source,
        }
    }
}

impl Explain for ImageError {
    fn code(&self) -> Code {
        match self {
            ImageError::Store(e) => e.code(),
            ImageError::Reference(e) => e.code(),
            ImageError::Layer(e) => e.code(),
            ImageError::Schema1 { .. } => Code::ImageSchema1,
            ImageError::MediaType { .. } => Code::ImageMediaType,
            ImageError::Json { .. } => Code::ImageInvalid,
            ImageError::BadPlatform(_) => Code::PlatformInvalid,
            ImageError::NoPlatform { .. } => Code::PlatformNotFound,
            ImageError::Io { .. } => Code::ImageIo,
            ImageError::NotAnArchive { .. } => Code::ImageNotAnArchive,
            ImageError::Corrupt(_) => Code::ImageCorrupt,
            ImageError::Missing { .. } => Code::ImageMissing,
            ImageError::TooLarge { .. } => Code::ImageTooLarge,
            ImageError::NeedsName(_) => Code::ImageNeedsName,
            ImageError::Exists { .. } => Code::ImageExists,
            ImageError::WouldOverwrite { .. } => Code::ImageWouldOverwrite,
            ImageError::BadChange { .. } => Code::ImageInvalidChange,
            ImageError::Cancelled => Code::TaskCancelled,
        }
    }

    fn hint(&self) -> Option<Hint> {
        let key = match self {
            ImageError::Store(e) => return e.hint(),
            ImageError::Reference(e) => return e.hint(),
            ImageError::Layer(e) => return e.hint(),
            ImageError::Schema1 { .. } => HintKey::ImageConvertSchema1,
            ImageError::BadChange { .. } => HintKey::ImageChangeSyntax,
            ImageError::NoPlatform { .. } => HintKey::PlatformChoose,
            ImageError::Corrupt(_) | ImageError::Missing { .. } | ImageError::TooLarge { .. } => {
                HintKey::ImageWriteArchiveAgain
            }
            ImageError::NeedsName(_) => HintKey::ImageGiveName,
            ImageError::Exists { .. } => HintKey::ImageChooseOtherPath,
            ImageError::WouldOverwrite { .. } => HintKey::ImageReplaceOrRename,
            _ => return None,
        };
        Some(key.into())
    }
}
