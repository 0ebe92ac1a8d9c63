//! The container engines beside Strata: hand a local image to Podman or Docker Engine and
//! bring one of their images into the store.
//!
//! **Podman** through its own command line (`podman load`, `podman save`), never its API
//! socket: the `podman` binary is there wherever Podman is (rootless or rootful, Linux or
//! a `podman machine`), it needs no service running, and it speaks docker archives, which
//! Strata's import and export already read and write.
//!
//! **Docker Engine** through its API on its unix socket (`docker`): `POST /images/load`
//! and `GET /images/{name}/get`, the calls `docker load` and `docker save` make.
//!
//! A send never writes the archive to disk: the export runs on a thread into a pipe, and
//! the pipe is copied into `podman load`'s stdin or the request body, metered. An import
//! spools the engine's save stream into a scratch file first (see [`import_from`]).
//!
//! The engines' output is untrusted input like any archive: JSON answers are read with a
//! size cap, a save stream is capped and then checked by the ordinary import (digests,
//! diff_ids). Names handed to an engine are checked first ([`check_image_arg`]): never one
//! that could read as an option, and always after `--`. Nothing goes through a shell.
//!
//! Extra global arguments for every `podman` call (another storage root, a driver) come
//! from `$STRATA_PODMAN_ARGS`, split on whitespace; `$STRATA_PODMAN` names the program.

use std::ffi::OsString;
use std::io::{self, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tempfile::NamedTempFile;

mod docker;

pub use docker::{Docker, DOCKER_SOCKET};

use crate::image::{self, ImageError, ImportOptions, Imported};
use crate::problem::{Code, Explain, Hint};
use crate::reference::Reference;
use crate::store::Store;
use crate::task::{is_cancelled, CancellationToken, TaskCtx, UnitKind, UnitState, Watch};

/// The environment variable naming the podman program (default `podman` on `PATH`).
pub const PODMAN_ENV: &str = "STRATA_PODMAN";
/// The environment variable holding extra global arguments for every podman call.
pub const PODMAN_ARGS_ENV: &str = "STRATA_PODMAN_ARGS";

/// The most JSON read from one podman answer (`images`, `image inspect`, `version`).
const MAX_ANSWER: u64 = 16 << 20;
/// The most of podman's stderr kept for an error message.
const MAX_STDERR: u64 = 64 << 10;
/// The largest archive accepted from `podman save`.
pub const MAX_SAVE: u64 = 256 << 30;
/// What names the file an import spools an engine's save stream into (see [`spill_file`]).
const SPILL_NAME: &str = "engine-save";
/// How often a running podman is checked for its end and the task for a cancel.
const POLL: Duration = Duration::from_millis(50);
/// How long a short podman command (`images`, `image inspect`, `version`) may take.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest image argument passed on.
const MAX_NAME: usize = 512;

/// The engines Strata knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    Podman,
    Docker,
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Podman => "podman",
            EngineKind::Docker => "docker",
        }
    }
}

impl std::str::FromStr for EngineKind {
    type Err = EngineError;
    fn from_str(s: &str) -> Result<Self, EngineError> {
        match s.to_ascii_lowercase().as_str() {
            "podman" => Ok(EngineKind::Podman),
            "docker" => Ok(EngineKind::Docker),
            other => Err(EngineError::UnknownEngine(other.to_string())),
        }
    }
}

/// One engine as found on this machine.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EngineInfo {
    pub kind: EngineKind,
    /// Whether it is there.
    pub found: bool,
    /// Whether Strata can send to it and import from it.
    pub usable: bool,
    /// Its version, when found.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where it was looked for, or why it cannot be used.
    pub detail: String,
}

/// One of Podman's images, from `podman images --format json`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EngineImage {
    /// The image ID (the config's digest, hex).
    pub id: String,
    /// Its names (`localhost/app:1`); empty for an unnamed image.
    pub names: Vec<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// Seconds since the epoch.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub created: i64,
}

/// What a send did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Sent {
    pub engine: EngineKind,
    /// What the engine says it loaded (`localhost/app:1`, or an ID for an unnamed image).
    pub loaded: Vec<String>,
    /// Bytes of archive handed over.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
}

/// What went wrong talking to an engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// No engine of that kind on this machine.
    #[error("{engine} not found: {looked}")]
    NotFound {
        engine: &'static str,
        looked: String,
    },
    /// None of the engines Strata knows is there.
    #[error("no container engine found: looked for {0}")]
    NoneFound(String),
    /// An engine name Strata does not know.
    #[error("unknown engine `{0}`: use podman or docker")]
    UnknownEngine(String),
    /// Found, but Strata cannot drive it.
    #[error("{0}")]
    Unsupported(String),
    /// An image argument refused before it reached the engine.
    #[error("invalid image name or ID `{0}`: {1}")]
    InvalidName(String, &'static str),
    /// The engine ran and failed.
    #[error("`{engine} {action}` failed ({status}): {stderr}")]
    Failed {
        engine: &'static str,
        action: &'static str,
        status: String,
        stderr: String,
    },
    /// The engine's answer is not what it should be.
    #[error("{engine}'s answer to `{action}` is not what it should be: {detail}")]
    BadAnswer {
        engine: &'static str,
        action: &'static str,
        detail: String,
    },
    /// The engine sent more than allowed.
    #[error("{engine}'s answer to `{action}` is larger than {limit} bytes")]
    TooLarge {
        engine: &'static str,
        action: &'static str,
        limit: u64,
    },
    #[error("cannot {action}")]
    Io {
        action: String,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error("cancelled")]
    Cancelled,
}

impl Explain for EngineError {
    fn code(&self) -> Code {
        match self {
            EngineError::NotFound { .. } | EngineError::NoneFound(_) => Code::EngineNotFound,
            EngineError::UnknownEngine(_) => Code::EngineUnknown,
            EngineError::Unsupported(_) => Code::EngineUnsupported,
            EngineError::InvalidName(..) => Code::EngineInvalidName,
            EngineError::Failed { .. } => Code::EngineFailed,
            EngineError::BadAnswer { .. } => Code::EngineBadAnswer,
            EngineError::TooLarge { .. } => Code::EngineTooLarge,
            EngineError::Io { .. } => Code::EngineIo,
            EngineError::Image(e) => e.code(),
            EngineError::Cancelled => Code::TaskCancelled,
        }
    }

    fn hint(&self) -> Option<Hint> {
        match self {
            EngineError::Image(e) => e.hint(),
            _ => None,
        }
    }
}

fn io_err(action: impl Into<String>) -> impl FnOnce(io::Error) -> EngineError {
    let action = action.into();
    move |source| EngineError::Io { action, source }
}

/// Refuses an image argument that could be anything but a name or an ID: empty, too long,
/// starting with `-` (an option), or holding whitespace or control characters.
pub fn check_image_arg(arg: &str) -> Result<(), EngineError> {
    let bad = |why| {
        Err(EngineError::InvalidName(
            arg.chars().take(80).collect(),
            why,
        ))
    };
    if arg.is_empty() {
        return bad("empty");
    }
    if arg.len() > MAX_NAME {
        return bad("too long");
    }
    if arg.starts_with('-') {
        return bad("it starts with `-`");
    }
    if arg.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it holds spaces or control characters");
    }
    Ok(())
}

/// How to run podman: the program and the global arguments that go before every command.
#[derive(Debug, Clone)]
pub struct Podman {
    program: OsString,
    global_args: Vec<String>,
}

impl Default for Podman {
    fn default() -> Self {
        Podman::from_env()
    }
}

impl Podman {
    /// `podman` on `PATH` (or `$STRATA_PODMAN`), with `$STRATA_PODMAN_ARGS`.
    pub fn from_env() -> Podman {
        let program = std::env::var_os(PODMAN_ENV)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "podman".into());
        let global_args = std::env::var(PODMAN_ARGS_ENV)
            .map(|a| a.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        Podman {
            program,
            global_args,
        }
    }

    /// A given program with given global arguments.
    pub fn new(program: impl Into<OsString>, global_args: Vec<String>) -> Podman {
        Podman {
            program: program.into(),
            global_args,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.global_args).args(args).stdin(Stdio::null());
        cmd
    }

    fn spawn(&self, mut cmd: Command) -> Result<Child, EngineError> {
        cmd.spawn().map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                EngineError::NotFound {
                    engine: "Podman",
                    looked: format!("no `{}` program on PATH", self.program.to_string_lossy()),
                }
            } else {
                EngineError::Io {
                    action: format!("run {}", self.program.to_string_lossy()),
                    source: e,
                }
            }
        })
    }

    /// Runs a short podman command and returns its stdout, capped.
    fn answer(&self, action: &'static str, args: &[&str]) -> Result<Vec<u8>, EngineError> {
        let mut cmd = self.command(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self.spawn(cmd)?;
        let stderr = drain(child.stderr.take());
        let stdout = child.stdout.take();
        let never = CancellationToken::new();
        let child = Reaper::new(child, &never, Some(Instant::now() + ANSWER_TIMEOUT));
        let mut out = Vec::new();
        let read = stdout.map(|s| s.take(MAX_ANSWER + 1).read_to_end(&mut out));
        let too_large = out.len() as u64 > MAX_ANSWER;
        if too_large {
            child.stop();
            return Err(EngineError::TooLarge {
                engine: "podman",
                action,
                limit: MAX_ANSWER,
            });
        }
        let status = child.wait_or_cancel(TaskCtx::none())?;
        if child.timed_out() {
            return Err(EngineError::Failed {
                engine: "podman",
                action,
                status: "killed".into(),
                stderr: format!("no answer within {} s", ANSWER_TIMEOUT.as_secs()),
            });
        }
        drop(child);
        let stderr = stderr.join().unwrap_or_default();
        read.transpose().map_err(io_err("read podman's answer"))?;
        check_status(action, status, &stderr)?;
        Ok(out)
    }

    /// Podman's version (`podman version --format json`: the client's).
    pub fn version(&self) -> Result<String, EngineError> {
        #[derive(Deserialize)]
        struct Version {
            #[serde(rename = "Client")]
            client: Client,
        }
        #[derive(Deserialize)]
        struct Client {
            #[serde(rename = "Version")]
            version: String,
        }
        let out = self.answer("version", &["version", "--format", "json"])?;
        let v: Version = serde_json::from_slice(&out).map_err(|e| EngineError::BadAnswer {
            engine: "podman",
            action: "version",
            detail: e.to_string(),
        })?;
        Ok(v.client.version.chars().take(64).collect())
    }

    /// Podman's images.
    pub fn images(&self) -> Result<Vec<EngineImage>, EngineError> {
        let out = self.answer("images", &["images", "--format", "json"])?;
        parse_images(&out)
    }

    /// One image's ID, names and size (`podman image inspect`).
    fn inspect(&self, image: &str) -> Result<EngineImage, EngineError> {
        #[derive(Deserialize)]
        struct Inspected {
            #[serde(rename = "Id")]
            id: String,
            #[serde(rename = "RepoTags", default)]
            names: Option<Vec<String>>,
            #[serde(rename = "Size", default)]
            size: u64,
        }
        let out = self.answer("image inspect", &["image", "inspect", "--", image])?;
        let bad = |detail: String| EngineError::BadAnswer {
            engine: "podman",
            action: "image inspect",
            detail,
        };
        let list: Vec<Inspected> = serde_json::from_slice(&out).map_err(|e| bad(e.to_string()))?;
        let [one] = <[Inspected; 1]>::try_from(list)
            .map_err(|l| bad(format!("{} images for one name", l.len())))?;
        check_id(&one.id).map_err(bad)?;
        Ok(EngineImage {
            id: one.id,
            names: one.names.unwrap_or_default(),
            size: one.size,
            created: 0,
        })
    }
}

/// Parses `podman images --format json`.
fn parse_images(out: &[u8]) -> Result<Vec<EngineImage>, EngineError> {
    #[derive(Deserialize)]
    struct Listed {
        #[serde(rename = "Id")]
        id: String,
        #[serde(rename = "Names", default)]
        names: Option<Vec<String>>,
        #[serde(rename = "Size", default)]
        size: u64,
        #[serde(rename = "Created", default)]
        created: i64,
    }
    let bad = |detail: String| EngineError::BadAnswer {
        engine: "podman",
        action: "images",
        detail,
    };
    // An empty store prints nothing at all in some versions.
    if out.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let list: Vec<Listed> = serde_json::from_slice(out).map_err(|e| bad(e.to_string()))?;
    list.into_iter()
        .map(|l| {
            check_id(&l.id).map_err(bad)?;
            let names = l.names.unwrap_or_default();
            // Names go back to podman as arguments: only those that would pass the check.
            let names = names
                .into_iter()
                .filter(|n| check_image_arg(n).is_ok())
                .collect();
            Ok(EngineImage {
                id: l.id,
                names,
                size: l.size,
                created: l.created,
            })
        })
        .collect()
}

/// An image ID as podman prints it: 64 lowercase hex digits.
fn check_id(id: &str) -> Result<(), String> {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    if hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not an image ID",
            id.chars().take(80).collect::<String>()
        ))
    }
}

/// Reads a child's pipe to its end on a thread, keeping the first [`MAX_STDERR`] bytes.
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let Some(mut pipe) = pipe else {
            return String::new();
        };
        let mut kept = Vec::new();
        let _ = (&mut pipe).take(MAX_STDERR).read_to_end(&mut kept);
        let _ = io::copy(&mut pipe, &mut io::sink());
        String::from_utf8_lossy(&kept).into_owned()
    })
}

fn check_status(action: &'static str, status: ExitStatus, stderr: &str) -> Result<(), EngineError> {
    if status.success() {
        return Ok(());
    }
    let last = stderr
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("no message")
        .trim_start_matches("Error: ")
        .to_string();
    Err(EngineError::Failed {
        engine: "podman",
        action,
        status: status.to_string(),
        stderr: last,
    })
}

/// A running podman that is killed as soon as the task is cancelled, from a thread of its
/// own: a write to its stdin or a read from its stdout that blocks (podman not reading, or
/// not writing) then ends at once, instead of at the next chunk that never comes.
struct Reaper {
    child: Arc<Mutex<Child>>,
    finished: Arc<AtomicBool>,
    timed_out: Arc<AtomicBool>,
    watcher: Option<JoinHandle<()>>,
}

impl Reaper {
    /// Watches `child`: killed once `cancel` is raised or, with a `deadline`, once it passes.
    fn new(child: Child, cancel: &CancellationToken, deadline: Option<Instant>) -> Reaper {
        let child = Arc::new(Mutex::new(child));
        let finished = Arc::new(AtomicBool::new(false));
        let timed_out = Arc::new(AtomicBool::new(false));
        let watcher = {
            let (child, finished, cancel) = (child.clone(), finished.clone(), cancel.clone());
            let late = timed_out.clone();
            std::thread::spawn(move || {
                while !finished.load(Ordering::Relaxed) {
                    let past = deadline.is_some_and(|d| Instant::now() >= d);
                    if cancel.is_cancelled() || past {
                        late.store(past, Ordering::Relaxed);
                        if let Ok(mut c) = child.lock() {
                            let _ = c.kill();
                        }
                        return;
                    }
                    std::thread::sleep(POLL);
                }
            })
        };
        Reaper {
            child,
            finished,
            timed_out,
            watcher: Some(watcher),
        }
    }

    /// Whether the deadline passed and podman was killed for it.
    fn timed_out(&self) -> bool {
        self.timed_out.load(Ordering::Relaxed)
    }

    /// Kills podman and reaps it.
    fn stop(&self) {
        if let Ok(mut c) = self.child.lock() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Waits for podman to end; kills it if the task is cancelled meanwhile.
    fn wait_or_cancel(&self, ctx: TaskCtx<'_>) -> Result<ExitStatus, EngineError> {
        loop {
            if ctx.is_cancelled() {
                self.stop();
                return Err(EngineError::Cancelled);
            }
            let polled = match self.child.lock() {
                Ok(mut c) => c.try_wait(),
                Err(_) => Err(io::Error::other("podman's handle is poisoned")),
            };
            match polled.map_err(io_err("wait for podman"))? {
                Some(status) => return Ok(status),
                None => std::thread::sleep(POLL),
            }
        }
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        self.finished.store(true, Ordering::Relaxed);
        if let Some(w) = self.watcher.take() {
            let _ = w.join();
        }
    }
}

/// The engines on this machine, each found or not, with its version or why it is missing.
pub fn engines(podman: &Podman) -> Vec<EngineInfo> {
    engines_with(podman, &Docker::from_env())
}

/// [`engines`] with a given Docker socket.
pub fn engines_with(podman: &Podman, docker: &Docker) -> Vec<EngineInfo> {
    let podman_info = match podman.version() {
        Ok(version) => EngineInfo {
            kind: EngineKind::Podman,
            found: true,
            usable: true,
            version: Some(version),
            detail: format!("the `{}` program", podman.program.to_string_lossy()),
        },
        Err(e) => EngineInfo {
            kind: EngineKind::Podman,
            found: !matches!(e, EngineError::NotFound { .. }),
            usable: false,
            version: None,
            detail: e.to_string(),
        },
    };
    let docker_info = match docker.version() {
        Ok(version) => EngineInfo {
            kind: EngineKind::Docker,
            found: true,
            usable: true,
            version: Some(version),
            detail: format!("the API socket {}", docker.socket().display()),
        },
        Err(e) => EngineInfo {
            kind: EngineKind::Docker,
            found: docker.present(),
            usable: false,
            version: None,
            detail: e.to_string(),
        },
    };
    vec![podman_info, docker_info]
}

/// The engine to use when none is named: the first usable one, or an error that says which
/// engines were looked for.
pub fn default_engine(podman: &Podman) -> Result<EngineKind, EngineError> {
    let found = engines(podman);
    if let Some(e) = found.iter().find(|e| e.usable) {
        return Ok(e.kind);
    }
    let looked = found
        .iter()
        .map(|e| format!("{} ({})", e.kind.as_str(), e.detail))
        .collect::<Vec<_>>()
        .join("; ");
    Err(EngineError::NoneFound(looked))
}

/// `engine`'s images (Docker's from [`Docker::from_env`]).
pub fn images(engine: EngineKind, podman: &Podman) -> Result<Vec<EngineImage>, EngineError> {
    match engine {
        EngineKind::Podman => podman.images(),
        EngineKind::Docker => Docker::from_env().images(),
    }
}

/// Hands the image `name_or_id` to `engine`: Strata's docker-archive export, written
/// straight into `podman load`'s stdin or Docker Engine's `POST /images/load` (no archive
/// on disk). Progress: the export's units, and the archive handed over (`podman load` /
/// `docker load`). Docker is the one of [`Docker::from_env`].
pub fn send(
    store: &Store,
    engine: EngineKind,
    podman: &Podman,
    name_or_id: &str,
    ctx: TaskCtx<'_>,
) -> Result<Sent, EngineError> {
    send_with(store, engine, podman, &Docker::from_env(), name_or_id, ctx)
}

/// [`send`] with a given Docker socket.
pub fn send_with(
    store: &Store,
    engine: EngineKind,
    podman: &Podman,
    docker: &Docker,
    name_or_id: &str,
    ctx: TaskCtx<'_>,
) -> Result<Sent, EngineError> {
    if engine == EngineKind::Docker && !docker.present() {
        return Err(docker.not_found());
    }
    let found = store.resolve(name_or_id).map_err(ImageError::from)?;
    // The archive carries the name as `docker save` writes it (`e2e/app:1` for Docker
    // Hub), which podman would qualify as `localhost/e2e/app:1`: podman is told the full
    // name afterwards. Sent by ID, the image stays unnamed, as `docker save ID` leaves it.
    let full = Reference::parse(name_or_id)
        .ok()
        .map(|r| r.to_string())
        .filter(|r| *r == found.name);
    let result = match engine {
        EngineKind::Podman => {
            load_podman(store, podman, name_or_id, ctx).and_then(|sent| match full {
                Some(full) => requalify(podman, sent, &full),
                None => Ok(sent),
            })
        }
        EngineKind::Docker => load_docker(store, docker, name_or_id, ctx),
    };
    match result {
        Err(_) if ctx.is_cancelled() => Err(EngineError::Cancelled),
        other => other,
    }
}

/// Gives the loaded image its full name where podman qualified a familiar one with
/// `localhost/` (`localhost/e2e/app:1` → `docker.io/e2e/app:1`), and drops the guess.
fn requalify(podman: &Podman, mut sent: Sent, full: &str) -> Result<Sent, EngineError> {
    let guess = format!("localhost/{}", crate::reference::familiar(full));
    if guess == full || !sent.loaded.contains(&guess) {
        return Ok(sent);
    }
    podman.answer("tag", &["tag", "--", &guess, full])?;
    podman.answer("untag", &["untag", "--", &guess, &guess])?;
    for l in &mut sent.loaded {
        if *l == guess {
            *l = full.to_string();
        }
    }
    Ok(sent)
}

/// What [`stream_export`] did: the copy into the engine, its bytes, and the export.
struct Streamed {
    copied: io::Result<u64>,
    bytes: u64,
    exported: Result<(), ImageError>,
}

/// Runs the docker-archive export of `name_or_id` on a thread of its own into a pipe, and
/// copies the pipe into `sink` here, metered as the unit `unit`. A sink that stops
/// reading ends the export (its writes fail); an export that fails ends the copy early,
/// and the caller must then not let the engine take the cut archive.
fn stream_export(
    store: &Store,
    name_or_id: &str,
    sink: &mut dyn Write,
    unit: &str,
    ctx: TaskCtx<'_>,
) -> Result<Streamed, EngineError> {
    let (reader, writer) = io::pipe().map_err(io_err("make a pipe"))?;
    std::thread::scope(|scope| {
        let export = scope.spawn(move || {
            image::export_docker_stream(store, name_or_id, Box::new(writer), None, ctx).map(drop)
        });
        let mut watch = Watch::new(sink, ctx, unit, UnitKind::Archive, None);
        let copied = io::copy(&mut BufReader::with_capacity(1 << 20, reader), &mut watch);
        let bytes = watch.count();
        let copied = copied.and_then(|n| watch.flush().map(|()| n));
        let exported = export
            .join()
            .unwrap_or_else(|_| Err(ImageError::Corrupt("the export thread panicked".into())));
        Ok(Streamed {
            copied,
            bytes,
            exported,
        })
    })
}

fn load_podman(
    store: &Store,
    podman: &Podman,
    name_or_id: &str,
    ctx: TaskCtx<'_>,
) -> Result<Sent, EngineError> {
    let mut cmd = podman.command(&["load"]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = podman.spawn(cmd)?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let mut stdin: ChildStdin = child.stdin.take().expect("piped stdin");
    let child = Reaper::new(child, ctx.cancel, None);
    let streamed = stream_export(store, name_or_id, &mut stdin, "podman load", ctx)?;
    let Streamed {
        copied,
        bytes,
        exported,
    } = streamed;
    let mut podman_stopped = false;
    match copied {
        Ok(_) => {}
        Err(e) if is_cancelled(&e) || ctx.is_cancelled() => {
            child.stop();
            return Err(EngineError::Cancelled);
        }
        // A broken pipe means podman stopped reading: its own error says why.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => podman_stopped = true,
        Err(e) => {
            child.stop();
            return Err(EngineError::Io {
                action: "hand the archive to podman".into(),
                source: e,
            });
        }
    }
    if let (Err(e), false) = (&exported, podman_stopped) {
        // The archive podman has is cut: it must not load it.
        child.stop();
        return Err(match e {
            _ if ctx.is_cancelled() => EngineError::Cancelled,
            _ => exported.unwrap_err().into(),
        });
    }
    drop(stdin);
    ctx.progress.update(crate::task::Unit {
        done: bytes,
        state: UnitState::Verifying,
        ..crate::task::Unit::new("podman load", UnitKind::Archive, Some(bytes))
    });
    let status = child.wait_or_cancel(ctx)?;
    drop(child);
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    check_status("load", status, &err)?;
    exported?;
    let loaded = out
        .lines()
        .filter_map(|l| {
            l.strip_prefix("Loaded image(s): ")
                .or_else(|| l.strip_prefix("Loaded image: "))
        })
        .flat_map(|l| l.split(','))
        .map(|s| s.trim().chars().take(256).collect::<String>())
        .filter(|s| !s.is_empty())
        .collect();
    ctx.done("podman load", UnitKind::Archive, bytes, UnitState::Done);
    Ok(Sent {
        engine: EngineKind::Podman,
        loaded,
        bytes,
    })
}

fn load_docker(
    store: &Store,
    docker: &Docker,
    name_or_id: &str,
    ctx: TaskCtx<'_>,
) -> Result<Sent, EngineError> {
    let stream = docker::post_chunked(docker, "/images/load?quiet=1", "application/x-tar")?;
    let _hangup =
        docker::Hangup::new(&stream, ctx.cancel).map_err(io_err("watch Docker's socket"))?;
    let mut body = docker::ChunkedWriter::new(io::BufWriter::with_capacity(1 << 16, &stream));
    let Streamed {
        copied,
        bytes,
        exported,
    } = stream_export(store, name_or_id, &mut body, "docker load", ctx)?;
    let hang_up = || {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    };
    if ctx.is_cancelled() {
        hang_up();
        return Err(EngineError::Cancelled);
    }
    // The daemon stopped reading: its answer says why.
    let refused = matches!(&copied, Err(e) if matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
    ));
    match (&copied, &exported) {
        (Err(e), _) if is_cancelled(e) => {
            hang_up();
            return Err(EngineError::Cancelled);
        }
        (Err(_), _) if refused => {}
        (Err(_), _) => {
            hang_up();
            return Err(EngineError::Io {
                action: "hand the archive to Docker Engine".into(),
                source: copied.unwrap_err(),
            });
        }
        // A cut archive is never finished: the daemon sees the connection end mid-body.
        (Ok(_), Err(_)) => {
            hang_up();
            return Err(exported.unwrap_err().into());
        }
        (Ok(_), Ok(())) => {
            body.finish()
                .map_err(io_err("hand the archive to Docker Engine"))?;
        }
    }
    ctx.progress.update(crate::task::Unit {
        done: bytes,
        state: UnitState::Verifying,
        ..crate::task::Unit::new("docker load", UnitKind::Archive, Some(bytes))
    });
    let response =
        docker::read_response(stream.try_clone().map_err(io_err("read Docker's answer"))?);
    if ctx.is_cancelled() {
        return Err(EngineError::Cancelled);
    }
    let response = response?;
    let answer = docker::read_capped(response.body, "load")?;
    docker::check_response("load", response.status, &answer)?;
    let loaded = docker::parse_load(&answer)?;
    exported?;
    ctx.done("docker load", UnitKind::Archive, bytes, UnitState::Done);
    Ok(Sent {
        engine: EngineKind::Docker,
        loaded,
        bytes,
    })
}

/// Brings `image` (a name or an ID in the engine's store) into the store: `podman save
/// --format docker-archive`, or Docker Engine's `GET /images/{name}/get`, into a scratch
/// file in the store (capped at [`MAX_SAVE`]), then Strata's import, which checks every
/// digest. The scratch file cannot be avoided: the import reads a tar by offset, and
/// `docker save` writes `manifest.json`, which says what the blobs are, last. An image
/// asked for by ID keeps the engine's first name, unless `opts.tag` names it.
pub fn import_from(
    store: &Store,
    engine: EngineKind,
    podman: &Podman,
    image: &str,
    opts: &ImportOptions,
    ctx: TaskCtx<'_>,
) -> Result<Imported, EngineError> {
    import_with(store, engine, podman, &Docker::from_env(), image, opts, ctx)
}

/// [`import_from`] with a given Docker socket.
pub fn import_with(
    store: &Store,
    engine: EngineKind,
    podman: &Podman,
    docker: &Docker,
    image: &str,
    opts: &ImportOptions,
    ctx: TaskCtx<'_>,
) -> Result<Imported, EngineError> {
    check_image_arg(image)?;
    let found = match engine {
        EngineKind::Podman => podman.inspect(image)?,
        EngineKind::Docker => docker.inspect(image, ctx.cancel)?,
    };
    let mut opts = opts.clone();
    let by_name = found.names.iter().any(|n| {
        n == image
            || Reference::parse(n).is_ok_and(|r| Reference::parse(image).is_ok_and(|i| i == r))
    });
    if opts.tag.is_none() && !by_name {
        opts.tag = found
            .names
            .iter()
            .find_map(|n| Reference::parse(n).ok())
            .or_else(|| Reference::parse(image).ok());
    }
    // Up to MAX_SAVE bytes, so in the store's own temporary folder (its disk), locked
    // while in use: removed when dropped, and by gc after a kill.
    let mut archive = spill_file(store)?;
    let saved = match engine {
        EngineKind::Podman => save_podman(podman, image, found.size, &mut archive, ctx),
        EngineKind::Docker => save_docker(docker, image, found.size, &mut archive, ctx),
    };
    let result = saved
        .and_then(|()| image::import(store, archive.path(), &opts, ctx).map_err(EngineError::from));
    match result {
        Err(_) if ctx.is_cancelled() => Err(EngineError::Cancelled),
        other => other,
    }
}

/// Copies an engine's save stream into `archive`, capped at [`MAX_SAVE`], metered as
/// `unit`. `stop` ends the engine's side on failure.
fn spool(
    source: impl Read,
    unit: &str,
    size: u64,
    archive: &mut NamedTempFile,
    action: (&'static str, &'static str),
    stop: impl Fn(),
    ctx: TaskCtx<'_>,
) -> Result<(), EngineError> {
    let (engine, action) = action;
    let path = archive.path().to_path_buf();
    let file = archive.as_file_mut();
    let total = (size > 0).then_some(size);
    let mut source = Watch::new(
        source.take(MAX_SAVE + 1),
        ctx,
        unit,
        UnitKind::Archive,
        total,
    );
    let copied = io::copy(&mut source, file);
    let bytes = source.count();
    match copied {
        Ok(_) if bytes > MAX_SAVE => {
            stop();
            return Err(EngineError::TooLarge {
                engine,
                action,
                limit: MAX_SAVE,
            });
        }
        Ok(_) => {}
        Err(e) if is_cancelled(&e) || ctx.is_cancelled() => {
            stop();
            return Err(EngineError::Cancelled);
        }
        Err(e) => {
            stop();
            return Err(EngineError::Io {
                action: format!("read {engine}'s save stream into {}", path.display()),
                source: e,
            });
        }
    }
    source.meter().finish(UnitState::Done, bytes);
    file.flush()
        .map_err(io_err(format!("write {}", path.display())))?;
    Ok(())
}

fn save_podman(
    podman: &Podman,
    image: &str,
    size: u64,
    archive: &mut NamedTempFile,
    ctx: TaskCtx<'_>,
) -> Result<(), EngineError> {
    let mut cmd = podman.command(&["save", "--format", "docker-archive", "--", image]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = podman.spawn(cmd)?;
    let stderr = drain(child.stderr.take());
    let stdout = child.stdout.take().expect("piped stdout");
    let child = Reaper::new(child, ctx.cancel, None);
    let spooled = spool(
        stdout,
        "podman save",
        size,
        archive,
        ("podman", "save"),
        || child.stop(),
        ctx,
    );
    spooled?;
    let status = child.wait_or_cancel(ctx)?;
    drop(child);
    check_status("save", status, &stderr.join().unwrap_or_default())
}

fn save_docker(
    docker: &Docker,
    image: &str,
    size: u64,
    archive: &mut NamedTempFile,
    ctx: TaskCtx<'_>,
) -> Result<(), EngineError> {
    let (stream, response) = docker.get(&docker::image_get_path(image), None)?;
    let _hangup =
        docker::Hangup::new(&stream, ctx.cancel).map_err(io_err("watch Docker's socket"))?;
    if !(200..300).contains(&response.status) {
        let body = docker::read_capped(response.body, "save")?;
        docker::check_response("save", response.status, &body)?;
        return Err(EngineError::BadAnswer {
            engine: "Docker",
            action: "save",
            detail: format!("HTTP {}", response.status),
        });
    }
    spool(
        response.body,
        "docker save",
        size,
        archive,
        ("Docker", "save"),
        || {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        },
        ctx,
    )
}

/// The file an engine's save stream is spooled into for an import: in the store's own
/// temporary folder (on the store's disk), `.write-engine-save-…`, locked while open.
fn spill_file(store: &Store) -> Result<NamedTempFile, EngineError> {
    let tmp = store.tmp_dir();
    std::fs::create_dir_all(&tmp).map_err(io_err(format!("create {}", tmp.display())))?;
    crate::store::locked_temp_file(&tmp, SPILL_NAME)
        .map_err(io_err(format!("create a file in {}", tmp.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_arguments_that_could_be_options_are_refused() {
        for (arg, ok) in [
            ("localhost/app:1", true),
            ("1201e8944c9e", true),
            ("docker.io/library/busybox@sha256:abc", true),
            ("", false),
            ("-v", false),
            ("--root=/", false),
            ("a b", false),
            ("a\nb", false),
            ("x\u{0}", false),
        ] {
            assert_eq!(check_image_arg(arg).is_ok(), ok, "{arg:?}");
        }
        assert!(check_image_arg(&"a".repeat(600)).is_err());
    }

    #[test]
    fn podman_image_lists_are_checked() {
        let id = "1201e8944c9e9101c1c66132845f5a16402cd78539d1c20ff683efa011b97e40";
        let good = format!(
            r#"[{{"Id":"{id}","Names":["localhost/pt:1","-bad"],"Size":11331,"Created":1796556333}},
                {{"Id":"{id}","Names":null}}]"#
        );
        let list = parse_images(good.as_bytes()).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].names, ["localhost/pt:1"]);
        assert_eq!(list[0].size, 11331);
        assert!(list[1].names.is_empty());
        assert!(parse_images(b"\n").unwrap().is_empty());
        for bad in [
            &b"{"[..],
            br#"[{"Id":"../../etc"}]"#,
            br#"[{"Id":"--root"}]"#,
            br#"{"Id":"x"}"#,
        ] {
            let err = parse_images(bad).unwrap_err();
            assert_eq!(err.code(), Code::EngineBadAnswer, "{err}");
        }
    }

    #[test]
    fn a_missing_podman_says_what_was_looked_for() {
        let podman = Podman::new("/nonexistent/podman", vec![]);
        let err = podman.images().unwrap_err();
        assert_eq!(err.code(), Code::EngineNotFound);
        assert!(err.to_string().contains("Podman not found"), "{err}");
        let info = engines(&podman);
        assert!(!info[0].found && !info[0].usable);
        let err = default_engine(&podman).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("podman") && text.contains("docker"), "{text}");
    }

    /// A store holding `example.com/app:1`, and a fake podman: a shell script that answers
    /// by its first argument as `script` says.
    fn store_and_fake(script: &str) -> (tempfile::TempDir, Store, Podman) {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("home")).unwrap();
        let rootfs = tmp.path().join("rootfs");
        std::fs::create_dir_all(&rootfs).unwrap();
        std::fs::write(rootfs.join("hello"), "x".repeat(100_000)).unwrap();
        let opts = crate::image::RootfsOptions {
            tag: Reference::parse("example.com/app:1").unwrap(),
            message: None,
            changes: Vec::new(),
            platform: None,
        };
        crate::image::import_rootfs(&store, &rootfs, &opts, TaskCtx::none()).unwrap();
        let podman = Podman::new("sh", vec!["-c".into(), script.into(), "podman".into()]);
        (tmp, store, podman)
    }

    fn scratch_left(store: &Store) -> Vec<String> {
        std::fs::read_dir(store.tmp_dir())
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.contains(SPILL_NAME))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_cancelled_send_stops_podman_and_leaves_no_archive() {
        // A podman that reads nothing and never ends.
        let (_tmp, store, podman) = store_and_fake("exec sleep 60");
        let cancel = crate::task::CancellationToken::new();
        let stopper = cancel.clone();
        let timer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            stopper.cancel();
        });
        let started = std::time::Instant::now();
        let ctx = TaskCtx::new(&crate::task::NoProgress, &cancel);
        let err = send(
            &store,
            EngineKind::Podman,
            &podman,
            "example.com/app:1",
            ctx,
        )
        .unwrap_err();
        timer.join().unwrap();
        assert!(matches!(err, EngineError::Cancelled), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        assert!(
            scratch_left(&store).is_empty(),
            "{:?}",
            scratch_left(&store)
        );
    }

    #[test]
    fn a_cancelled_import_stops_podman_save_and_names_nothing() {
        let id = "1201e8944c9e9101c1c66132845f5a16402cd78539d1c20ff683efa011b97e40";
        // A podman save that never writes.
        let script = format!(
            r#"case "$1" in
                 image) echo '[{{"Id":"{id}","RepoTags":["localhost/slow:1"],"Size":10}}]' ;;
                 save) exec sleep 60 ;;
               esac"#
        );
        let (_tmp, store, podman) = store_and_fake(&script);
        let cancel = crate::task::CancellationToken::new();
        let stopper = cancel.clone();
        let timer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            stopper.cancel();
        });
        let started = std::time::Instant::now();
        let ctx = TaskCtx::new(&crate::task::NoProgress, &cancel);
        let opts = ImportOptions::default();
        let err = import_from(
            &store,
            EngineKind::Podman,
            &podman,
            "localhost/slow:1",
            &opts,
            ctx,
        )
        .unwrap_err();
        timer.join().unwrap();
        assert!(matches!(err, EngineError::Cancelled), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        assert!(store.resolve("localhost/slow:1").is_err());
        assert!(
            scratch_left(&store).is_empty(),
            "{:?}",
            scratch_left(&store)
        );
    }

    #[test]
    fn a_send_reports_the_archive_handed_over() {
        let (_tmp, store, podman) =
            store_and_fake(r#"cat > /dev/null; echo "Loaded image: example.com/app:1""#);
        let seen = std::sync::Mutex::new(Vec::new());
        let progress = |u: crate::task::Unit| seen.lock().unwrap().push(u);
        let cancel = crate::task::CancellationToken::new();
        let ctx = TaskCtx::new(&progress, &cancel);
        let sent = send(
            &store,
            EngineKind::Podman,
            &podman,
            "example.com/app:1",
            ctx,
        )
        .unwrap();
        assert_eq!(sent.loaded, ["example.com/app:1"]);
        assert!(sent.bytes > 100_000, "{}", sent.bytes);
        let seen = seen.lock().unwrap();
        let last = seen.iter().rev().find(|u| u.id == "podman load").unwrap();
        assert_eq!((last.state, last.done), (UnitState::Done, sent.bytes));
        assert!(scratch_left(&store).is_empty());
    }

    #[test]
    fn a_hostile_save_stream_is_refused_and_names_nothing() {
        let id = "1201e8944c9e9101c1c66132845f5a16402cd78539d1c20ff683efa011b97e40";
        let script = format!(
            r#"case "$1" in
                 image) echo '[{{"Id":"{id}","RepoTags":["localhost/evil:1"],"Size":10}}]' ;;
                 save) printf 'not a tar at all' ;;
               esac"#
        );
        let (_tmp, store, podman) = store_and_fake(&script);
        let err = import_from(
            &store,
            EngineKind::Podman,
            &podman,
            "localhost/evil:1",
            &ImportOptions::default(),
            TaskCtx::none(),
        )
        .unwrap_err();
        assert!(matches!(err, EngineError::Image(_)), "{err}");
        assert!(store.resolve("localhost/evil:1").is_err());
        assert!(scratch_left(&store).is_empty());

        // An inspect answer that is not one image with an ID.
        let script = r#"echo '[{"Id":"--root=/"}]'"#;
        let (_tmp, store, podman) = store_and_fake(script);
        let err = import_from(
            &store,
            EngineKind::Podman,
            &podman,
            "localhost/evil:1",
            &ImportOptions::default(),
            TaskCtx::none(),
        )
        .unwrap_err();
        assert_eq!(err.code(), Code::EngineBadAnswer, "{err}");
    }

    /// A Docker socket whose daemon reads everything and never answers.
    fn silent_docker(dir: &std::path::Path) -> Docker {
        let path = dir.join("docker.sock");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let _ = io::copy(&mut &conn, &mut io::sink());
                });
            }
        });
        Docker::at(path)
    }

    #[test]
    fn a_cancel_ends_a_send_to_or_an_import_from_a_daemon_that_never_answers() {
        let (tmp, store, podman) = store_and_fake("exit 1");
        let docker = silent_docker(tmp.path());
        let cancel_after = |ms| {
            let cancel = crate::task::CancellationToken::new();
            let stopper = cancel.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(ms));
                stopper.cancel();
            });
            cancel
        };
        let cancel = cancel_after(300);
        let started = Instant::now();
        let ctx = TaskCtx::new(&crate::task::NoProgress, &cancel);
        let err = send_with(
            &store,
            EngineKind::Docker,
            &podman,
            &docker,
            "example.com/app:1",
            ctx,
        )
        .unwrap_err();
        assert!(matches!(err, EngineError::Cancelled), "{err}");
        assert!(started.elapsed() < Duration::from_secs(20));

        let cancel = cancel_after(300);
        let started = Instant::now();
        let ctx = TaskCtx::new(&crate::task::NoProgress, &cancel);
        let err = import_with(
            &store,
            EngineKind::Docker,
            &podman,
            &docker,
            "busybox:1",
            &ImportOptions::default(),
            ctx,
        )
        .unwrap_err();
        assert!(matches!(err, EngineError::Cancelled), "{err}");
        assert!(started.elapsed() < Duration::from_secs(20));
        assert!(store.resolve("busybox:1").is_err());

        // The engine list does not wait a minute for it either.
        let started = Instant::now();
        let info = engines_with(&podman, &docker);
        assert!(started.elapsed() < Duration::from_secs(15));
        assert!(info[1].found && !info[1].usable, "{:?}", info[1]);
    }

    #[test]
    fn failures_carry_podmans_last_line() {
        let podman = Podman::new(
            "sh",
            vec![
                "-c".into(),
                "echo noise >&2; echo 'Error: no such image' >&2; exit 125".into(),
            ],
        );
        let err = podman.images().unwrap_err();
        assert_eq!(err.code(), Code::EngineFailed);
        assert!(err.to_string().ends_with("no such image"), "{err}");
    }
}
