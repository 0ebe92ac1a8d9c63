//! The container module's one error type.

use std::io;
use std::path::{Path, PathBuf};

use crate::image::ImageError;
use crate::layer::LayerError;
use crate::problem::Explain;
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
    /// This platform cannot run Linux containers.
    #[error("running commands in a container needs Linux: {0}")]
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
    fn code(&self) -> &'static str {
        match self {
            ContainerError::Io { .. } => "container.io",
            ContainerError::Cancelled => "task.cancelled",
            ContainerError::NotFound(_) => "container.not_found",
            ContainerError::Ambiguous { .. } => "container.ambiguous",
            ContainerError::NameInUse(_) => "container.name_in_use",
            ContainerError::BadName(_) => "container.bad_name",
            ContainerError::BadPath { .. } => "container.bad_path",
            ContainerError::NotRegular { .. } => "container.not_regular_file",
            ContainerError::TooLargeToEdit { .. } => "container.too_large",
            ContainerError::NotText { .. } => "container.binary",
            ContainerError::BadMode(_) => "container.bad_mode",
            ContainerError::Mount { .. } => "container.mount",
            ContainerError::Corrupt { .. } => "container.corrupt",
            ContainerError::DiffIdMismatch { .. } => "container.diff_id_mismatch",
            ContainerError::LayerCount(_) => "container.layer_count",
            ContainerError::NoRuntime => "container.no_runtime",
            ContainerError::Unsupported(_) => "container.unsupported",
            ContainerError::NeedsRoot => "container.needs_root",
            ContainerError::Runtime(_) => "container.runtime",
            ContainerError::BadOption(_) => "container.bad_option",
            ContainerError::NoSlirp4netns => "container.no_slirp4netns",
            ContainerError::Network(_) => "container.network",
            ContainerError::UnknownUser(_) => "container.unknown_user",
            ContainerError::Store(e) => e.code(),
            ContainerError::Image(e) => e.code(),
            ContainerError::Layer(e) => e.code(),
            ContainerError::Reference(e) => e.code(),
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            ContainerError::NotFound(_) => Some("`strata ps` lists the containers".into()),
            ContainerError::TooLargeToEdit { .. } => Some(
                "files up to 1 MiB open in the editor; copy larger ones out with `strata cp`".into(),
            ),
            ContainerError::NotText { .. } => {
                Some("only UTF-8 text files open in the editor".into())
            }
            ContainerError::NotRegular { .. } => Some(
                "only regular files are read, edited or saved; device nodes, FIFOs and sockets \
                 are listed but never opened"
                    .into(),
            ),
            ContainerError::Ambiguous { .. } => {
                Some("give more digits of the ID, or the container's name".into())
            }
            ContainerError::NameInUse(_) => {
                Some("choose another --name, or remove the other container with `strata rm`".into())
            }
            ContainerError::BadName(_) => Some(
                "a name starts with a letter or digit, then letters, digits, '_', '.' or '-'"
                    .into(),
            ),
            ContainerError::BadMode(_) => Some("use overlay or baseline".into()),
            ContainerError::Mount { .. } => Some(
                "overlayfs needs root (or a user namespace) on Linux; create the container with \
                 STRATA_CONTAINER_MODE=baseline to use a copy instead"
                    .into(),
            ),
            ContainerError::Corrupt { .. } => {
                Some("remove the container with `strata rm -f` and create it again".into())
            }
            ContainerError::DiffIdMismatch { .. } => {
                Some("`strata fsck` checks the store; pull the image again".into())
            }
            ContainerError::NoRuntime => {
                Some("install runc (Debian/Ubuntu: apt install runc), or put it on $PATH".into())
            }
            ContainerError::Unsupported(_) => Some(
                "files, diff and commit work everywhere; running commands needs a Linux host"
                    .into(),
            ),
            ContainerError::NeedsRoot => Some(
                "run strata as root (sudo) to run commands; files, diff and commit work without root"
                    .into(),
            ),
            ContainerError::Runtime(_) => {
                Some("run as root, or check that cgroups and namespaces are available".into())
            }
            ContainerError::NoSlirp4netns => Some(
                "install slirp4netns (Debian/Ubuntu: apt install slirp4netns), or choose another \
                 network (--network host or none)"
                    .into(),
            ),
            ContainerError::Network(_) => Some(
                "check that network namespaces are available, or run with --network host".into(),
            ),
            ContainerError::Store(e) => e.hint(),
            ContainerError::Image(e) => e.hint(),
            ContainerError::Layer(e) => e.hint(),
            ContainerError::Reference(e) => e.hint(),
            _ => None,
        }
    }
}
