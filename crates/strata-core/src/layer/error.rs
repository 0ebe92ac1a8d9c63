//! The one error type of the [`layer`](super) module.

use std::io;
use std::path::PathBuf;

use crate::problem::{Code, Explain, Hint, HintKey};

/// Why reading, applying or writing a layer failed. Every message names the entry (the path
/// as the tar wrote it) when one is involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    /// The layer inflates to more than [`Limits::max_uncompressed`](super::Limits).
    #[error("the layer is larger than the {limit}-byte limit once decompressed")]
    TooLarge { limit: u64 },
    /// A GNU sparse entry expands (its holes filled with zeros) to more than what is left of
    /// [`Limits::max_uncompressed`](super::Limits).
    #[error("a sparse file in the layer expands to {real} bytes, which takes the layer over the {limit}-byte limit once unpacked")]
    SparseTooLarge { real: u64, limit: u64 },
    /// The layer has more entries than [`Limits::max_entries`](super::Limits).
    #[error("the layer has more than {limit} entries, the limit for one layer")]
    TooManyEntries { limit: u64 },
    /// A tar extension header (long name, PAX record) is larger than allowed.
    #[error("a tar extension header of {size} bytes exceeds the {limit}-byte limit")]
    HeaderTooLarge { size: u64, limit: u64 },
    /// A path or link target is longer than allowed.
    #[error("layer entry `{entry}…` has a path of {len} bytes, over the {limit}-byte limit")]
    PathTooLong {
        entry: String,
        len: usize,
        limit: usize,
    },
    /// The bytes are not a (complete) tar stream.
    #[error("the layer is not a valid tar stream ({context})")]
    Corrupt {
        context: String,
        #[source]
        source: io::Error,
    },
    /// An entry that would write outside the target, or that makes no sense in a layer.
    #[error("unsafe layer entry `{entry}`: {reason}")]
    Unsafe { entry: String, reason: String },
    /// A device node where devices are not allowed.
    #[error("layer entry `{entry}` is a {kind} device, and device nodes are not allowed here")]
    DeviceRefused { entry: String, kind: &'static str },
    /// A filesystem operation failed.
    #[error("cannot {action} `{}`{}", path.display(), entry.as_ref().map(|e| format!(" (layer entry `{e}`)")).unwrap_or_default())]
    Io {
        action: &'static str,
        path: PathBuf,
        entry: Option<String>,
        #[source]
        source: io::Error,
    },
    /// A path asked for is not in the tree.
    #[error("`{path}` is not in the image's files")]
    NotFound { path: String },
    /// A path asked for is not something with content.
    #[error("`{path}` is a {kind}, not a regular file")]
    NotAFile { path: String, kind: &'static str },
    /// The directory a fresh apply should create is already there.
    #[error("`{}` already exists", path.display())]
    TargetExists { path: PathBuf },
}

impl Explain for LayerError {
    fn code(&self) -> Code {
        match self {
            LayerError::TooLarge { .. }
            | LayerError::SparseTooLarge { .. }
            | LayerError::TooManyEntries { .. }
            | LayerError::HeaderTooLarge { .. } => Code::LayerTooLarge,
            LayerError::PathTooLong { .. }
            | LayerError::Unsafe { .. }
            | LayerError::DeviceRefused { .. } => Code::LayerUnsafeEntry,
            LayerError::Corrupt { .. } => Code::LayerCorrupt,
            LayerError::Io { .. } => Code::LayerIo,
            LayerError::NotFound { .. } => Code::LayerNotFound,
            LayerError::NotAFile { .. } => Code::LayerNotAFile,
            LayerError::TargetExists { .. } => Code::LayerExists,
        }
    }

    fn hint(&self) -> Option<Hint> {
        let key = match self {
            LayerError::TooLarge { .. }
            | LayerError::SparseTooLarge { .. }
            | LayerError::TooManyEntries { .. }
            | LayerError::HeaderTooLarge { .. } => HintKey::LayerMaybeBomb,
            LayerError::PathTooLong { .. } | LayerError::Unsafe { .. } => HintKey::LayerRefused,
            LayerError::DeviceRefused { .. } => HintKey::LayerDevicesNeedRoot,
            LayerError::Corrupt { .. } => HintKey::LayerFetchAgain,
            LayerError::Io { .. } => HintKey::LayerCheckSpace,
            LayerError::TargetExists { .. } => HintKey::LayerChooseOtherFolder,
            LayerError::NotFound { .. } | LayerError::NotAFile { .. } => return None,
        };
        Some(key.into())
    }
}

/// Marker carried inside an `io::Error` when a cap is hit deep in a reader stack (the tar
/// crate only passes `io::Error` through), turned back into a [`LayerError`] by
/// [`LayerError::from_stream`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum LimitHit {
    Total { limit: u64 },
    Header { size: u64, limit: u64 },
    Sparse { real: u64, limit: u64 },
    Entries { limit: u64 },
}

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LimitHit::Total { limit } => write!(f, "decompressed size limit of {limit} bytes"),
            LimitHit::Header { size, limit } => {
                write!(f, "tar header of {size} bytes over the {limit}-byte limit")
            }
            LimitHit::Sparse { real, limit } => write!(
                f,
                "sparse entry of {real} bytes over the {limit}-byte unpacked size limit"
            ),
            LimitHit::Entries { limit } => write!(f, "more than {limit} entries"),
        }
    }
}

impl std::error::Error for LimitHit {}

impl LimitHit {
    pub(crate) fn into_io(self) -> io::Error {
        io::Error::other(self)
    }
}

impl LayerError {
    /// An error met while reading the layer stream: a cap we set, or a broken stream.
    pub(crate) fn from_stream(err: io::Error, context: impl Into<String>) -> LayerError {
        if let Some(hit) = find_limit(&err) {
            return match hit {
                LimitHit::Total { limit } => LayerError::TooLarge { limit },
                LimitHit::Header { size, limit } => LayerError::HeaderTooLarge { size, limit },
                LimitHit::Sparse { real, limit } => LayerError::SparseTooLarge { real, limit },
                LimitHit::Entries { limit } => LayerError::TooManyEntries { limit },
            };
        }
        LayerError::Corrupt {
            context: context.into(),
            source: err,
        }
    }

    pub(crate) fn unsafe_entry(entry: impl Into<String>, reason: impl Into<String>) -> Self {
        LayerError::Unsafe {
            entry: entry.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        entry: Option<&str>,
        source: io::Error,
    ) -> Self {
        if let Some(hit) = find_limit(&source) {
            return LayerError::from_stream(hit.into_io(), "");
        }
        LayerError::Io {
            action,
            path: path.into(),
            entry: entry.map(str::to_string),
            source,
        }
    }
}

fn find_limit(err: &io::Error) -> Option<LimitHit> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = err
        .get_ref()
        .map(|e| e as &(dyn std::error::Error + 'static));
    while let Some(e) = current {
        if let Some(hit) = e.downcast_ref::<LimitHit>() {
            return Some(*hit);
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(hit) = inner.downcast_ref::<LimitHit>() {
                    return Some(*hit);
                }
            }
        }
        current = e.source();
    }
    None
}
