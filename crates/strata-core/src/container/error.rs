//! The container module's one error type.

use std::io;
use std::path::{Path, PathBuf};

use crate::image::ImageError;
use crate::layer::LayerError;
use crate::problem::{Code, Explain, Hint, HintKey};
use crate::reference::ReferenceError;
use crate::store::StoreError;

/// Errors from creating, changing, running and committing containers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContainerError {
    /// A filesystem operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// No container has this name or ID.
    #[error("no container \"{0}\"")]
    NotFound(String),
    /// A short ID matches several containers.
    #[error("\"{input}\" matches several containers: {}", candidates.join(", "))]
    Ambiguous {
        input: String,
        candidates: Vec<String>,
    },
    /// Another container already has this name.
    #[error("a container named \"{0}\" already exists")]
    NameInUse(String),
    /// The name is not usable as a container name.
    #[error("\"{0}\" is not a valid container name")]
    BadName(String),
    /// A path inside the container is not usable (empty, the root itself, …).
    #[error("cannot use the path \"{path}\" in the container: {reason}")]
    BadPath { path: String, reason: String },
    /// A content operation (read, edit, save) found something else than a regular file:
    /// a device node, a FIFO, a socket or a folder is never opened.
    #[error("cannot open \"{path}\" in the container: it is {what}, not a regular file")]
    NotRegular { path: String, what: &'static str },
    /// A file too large for the text editor.
    #[error("\"{path}\" is too large to edit here ({size} bytes, the editor opens up to {limit})")]
    TooLargeToEdit { path: String, size: u64, limit: u64 },
    /// A file that is not UTF-8 text (or holds NUL bytes), for the text editor.
    #[error("\"{path}\" is not a text file")]
    NotText { path: String },
    /// `STRATA_CONTAINER_MODE` or `--mode` names an unknown mode.
    #[error("unknown container mode \"{0}\"")]
    BadMode(String),
    /// The overlay filesystem could not be mounted for a container that needs it.
    #[error("cannot mount the overlay filesystem of container {name}: {reason}")]
    Mount { name: String, reason: String },
    /// A container's own files are damaged (container.json, the baseline).
    #[error("container data in {} is damaged: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    /// A layer's uncompressed content does not have the diff_id the config lists.
    #[error("layer {layer} unpacks to {actual}, but the image config says {expected}")]
    DiffIdMismatch {
        layer: String,
        expected: String,
        actual: String,
    },
    /// The image's config and manifest disagree on the number of layers.
    #[error("image {0} lists a different number of layers in its manifest and its config")]
    LayerCount(String),
    /// No OCI runtime is installed.
    #[error("no OCI runtime found: `runc` is not installed (looked in $PATH and /usr/sbin)")]
    NoRuntime,
    /// This platform cannot make or run Linux containers (only Linux can: README, "Where it
    /// is built and tested").
    #[error("containers need Linux: {0}")]
    Unsupported(String),
    /// Running needs root: rootless containers (user namespaces) are not set up.
    #[error(
        "running a command in a container needs root; rootless containers are not supported yet"
    )]
    NeedsRoot,
    /// The runtime could not start the command.
    #[error("the runtime could not run the command: {0}")]
    Runtime(String),
    /// A run option (`--network`, `--security-opt`) that is not understood.
    #[error("{0}")]
    BadOption(String),
    /// User-mode networking needs slirp4netns, which is not installed.
    #[error(
        "the container's network needs slirp4netns, which is not installed (looked in $PATH and /usr/bin)"
    )]
    NoSlirp4netns,
    /// The container's network could not be set up.
    #[error("cannot set up the container's network: {0}")]
    Network(String),
    /// A `USER` the container's /etc/passwd or /etc/group does not know.
    #[error("unknown user or group \"{0}\" in the container")]
    UnknownUser(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A commit with nothing in it: no file changed and no config change given.
    #[error("container {0} has no changes to commit")]
    NoChanges(String),
    /// The task was cancelled (a commit or a create from the app); nothing was named.
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Layer(#[from] LayerError),
    #[error(transparent)]
    Reference(#[from] ReferenceError),
}

impl ContainerError {
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> ContainerError {
        ContainerError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn bad_path(path: &str, reason: impl Into<String>) -> ContainerError {
        ContainerError::BadPath {
            path: path.to_string(),
            reason: reason.into(),
        }
    }
}

impl Explain for ContainerError {
    fn code(&self) -> Code {
        match self {
            ContainerError::Io { .. } => Code::ContainerIo,
            ContainerError::Cancelled => Code::TaskCancelled,
            ContainerError::NotFound(_) => Code::ContainerNotFound,
            ContainerError::Ambiguous { .. } => Code::ContainerAmbiguous,
            ContainerError::NameInUse(_) => Code::ContainerNameInUse,
            ContainerError::BadName(_) => Code::ContainerInvalidName,
            ContainerError::BadPath { .. } => Code::ContainerInvalidPath,
            ContainerError::NotRegular { .. } => Code::ContainerNotRegularFile,
            ContainerError::TooLargeToEdit { .. } => Code::ContainerTooLarge,
            ContainerError::NotText { .. } => Code::ContainerBinary,
            ContainerError::BadMode(_) => Code::ContainerInvalidMode,
            ContainerError::Mount { .. } => Code::ContainerMount,
            ContainerError::Corrupt { .. } => Code::ContainerCorrupt,
            ContainerError::DiffIdMismatch { .. } => Code::DigestMismatch,
            ContainerError::LayerCount(_) => Code::ContainerLayerCount,
            ContainerError::NoRuntime => Code::ContainerNoRuntime,
            ContainerError::Unsupported(_) => Code::ContainerUnsupported,
            ContainerError::NeedsRoot => Code::ContainerNeedsRoot,
            ContainerError::Runtime(_) => Code::ContainerRuntime,
            ContainerError::BadOption(_) => Code::ContainerInvalidOption,
            ContainerError::NoSlirp4netns => Code::ContainerNoSlirp4netns,
            ContainerError::Network(_) => Code::ContainerNetwork,
            ContainerError::UnknownUser(_) => Code::ContainerUnknownUser,
            ContainerError::NoChanges(_) => Code::ContainerNoChanges,
            ContainerError::Store(e) => e.code(),
            ContainerError::Image(e) => e.code(),
            ContainerError::Layer(e) => e.code(),
            ContainerError::Reference(e) => e.code(),
        }
    }

    fn hint(&self) -> Option<Hint> {
        let key = match self {
            ContainerError::NotFound(_) => HintKey::ContainerList,
            ContainerError::TooLargeToEdit { .. } => HintKey::ContainerTooLargeToEdit,
            ContainerError::NotText { .. } => HintKey::ContainerTextOnly,
            ContainerError::NotRegular { .. } => HintKey::ContainerRegularFilesOnly,
            ContainerError::Ambiguous { .. } => HintKey::ContainerMoreDigits,
            ContainerError::NameInUse(_) => HintKey::ContainerChooseOtherName,
            ContainerError::BadName(_) => HintKey::ContainerNameGrammar,
            ContainerError::BadMode(_) => HintKey::ContainerModes,
            ContainerError::Mount { .. } => HintKey::ContainerUseBaseline,
            ContainerError::Corrupt { .. } => HintKey::ContainerRecreate,
            ContainerError::DiffIdMismatch { .. } => HintKey::ContainerPullAgain,
            ContainerError::NoRuntime => HintKey::ContainerInstallRunc,
            ContainerError::Unsupported(_) => HintKey::ContainerNeedsLinux,
            ContainerError::NeedsRoot => HintKey::ContainerRunAsRoot,
            ContainerError::Runtime(_) => HintKey::ContainerCheckRuntime,
            ContainerError::NoSlirp4netns => HintKey::ContainerInstallSlirp4netns,
            ContainerError::Network(_) => HintKey::ContainerCheckNetwork,
            ContainerError::NoChanges(_) => HintKey::ContainerChangeFirst,
            ContainerError::Store(e) => return e.hint(),
            ContainerError::Image(e) => return e.hint(),
            ContainerError::Layer(e) => return e.hint(),
            ContainerError::Reference(e) => return e.hint(),
            _ => return None,
        };
        Some(key.into())
    }
}
