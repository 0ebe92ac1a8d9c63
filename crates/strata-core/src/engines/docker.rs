//! Docker Engine through its API on a unix socket (`/var/run/docker.sock`, or
//! `$DOCKER_HOST=unix://…`): `GET /version`, `GET /images/json`, `GET /images/{name}/json`,
//! `GET /images/{name}/get` (a `docker save` stream) and `POST /images/load` (a docker
//! archive as the request body, sent chunked as it is written). Podman's Docker-compatible
//! service (`podman system service`) answers the same calls.
//!
//! The client is a small blocking HTTP/1.1 client of our own over a `UnixStream`: one
//! request per connection (`Connection: close`), a chunked request body, a response read
//! by `Content-Length`, chunked, or to the end. reqwest can reach a unix socket too, but
//! it is async, while these calls run on a task's blocking thread and the export writes
//! into a std pipe: here the body is a plain `Write` and a cancel one socket shutdown.
//!
//! The daemon's answers are untrusted input: the status line and headers are capped,
//! JSON answers are capped ([`super::MAX_ANSWER`]), a chunk size is checked, the save
//! stream is capped ([`super::MAX_SAVE`]) and then checked by the ordinary import. A
//! cancelled task shuts the socket down from a watcher thread, so a blocked read or
//! write ends at once.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::Shutdown;
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Deserialize;

use super::{check_id, EngineError, EngineImage, ANSWER_TIMEOUT, MAX_ANSWER, POLL};
use crate::task::CancellationToken;

/// Where Docker Engine listens by default.
pub const DOCKER_SOCKET: &str = "/var/run/docker.sock";
/// The most bytes of status line and headers read.
const MAX_HEAD: usize = 64 << 10;
/// How long finding the daemon (`GET /version`, for the engine list) may take: a socket
/// whose daemon hangs must not hold the app's Images screen for a minute.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest chunk accepted in a chunked response.
const MAX_CHUNK: u64 = 1 << 32;

/// Docker Engine's API socket.
#[derive(Debug, Clone)]
pub struct Docker {
    socket: PathBuf,
}

impl Default for Docker {
    fn default() -> Self {
        Docker::from_env()
    }
}

/// One HTTP response: status, the headers Strata reads, and the body as a reader.
pub(super) struct Response {
    pub status: u16,
    pub body: Box<dyn Read + Send>,
}

impl Docker {
    /// `$DOCKER_HOST` when it is a `unix://` address, else [`DOCKER_SOCKET`].
    pub fn from_env() -> Docker {
        let from_env = std::env::var("DOCKER_HOST")
            .ok()
            .and_then(|h| h.strip_prefix("unix://").map(PathBuf::from));
        Docker {
            socket: from_env.unwrap_or_else(|| PathBuf::from(DOCKER_SOCKET)),
        }
    }

    /// The daemon at `socket`.
    pub fn at(socket: impl Into<PathBuf>) -> Docker {
        Docker {
            socket: socket.into(),
        }
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Whether a socket is there (the daemon may still not answer).
    pub fn present(&self) -> bool {
        self.socket.exists()
    }

    pub(super) fn not_found(&self) -> EngineError {
        EngineError::NotFound {
            engine: "Docker",
            looked: format!(
                "no socket at {} (set DOCKER_HOST=unix://… for another)",
                self.socket.display()
            ),
        }
    }

    pub(super) fn connect(&self) -> Result<UnixStream, EngineError> {
        UnixStream::connect(&self.socket).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => self.not_found(),
            _ => EngineError::Io {
                action: format!("connect to Docker Engine at {}", self.socket.display()),
                source: e,
            },
        })
    }

    /// Sends a request without a body and reads the response's head.
    pub(super) fn get(
        &self,
        path: &str,
        timeout: Option<Duration>,
    ) -> Result<(UnixStream, Response), EngineError> {
        self.request_on(self.connect()?, path, timeout)
    }

    fn request_on(
        &self,
        stream: UnixStream,
        path: &str,
        timeout: Option<Duration>,
    ) -> Result<(UnixStream, Response), EngineError> {
        stream
            .set_read_timeout(timeout)
            .and_then(|()| stream.set_write_timeout(timeout))
            .map_err(super::io_err("set a timeout on Docker's socket"))?;
        let head = format!(
            "GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: strata\r\nConnection: close\r\n\r\n"
        );
        (&stream)
            .write_all(head.as_bytes())
            .map_err(super::io_err("send a request to Docker Engine"))?;
        let response = read_response(
            stream
                .try_clone()
                .map_err(super::io_err("read Docker's answer"))?,
        )?;
        Ok((stream, response))
    }

    /// A short JSON answer, capped, with a timeout: the body of a 2xx, else the daemon's
    /// error message.
    pub(super) fn answer(&self, action: &'static str, path: &str) -> Result<Vec<u8>, EngineError> {
        self.answer_or_cancel(action, path, None, ANSWER_TIMEOUT)
    }

    /// [`Docker::answer`], ended at once (the socket shut) when `cancel` is raised.
    fn answer_or_cancel(
        &self,
        action: &'static str,
        path: &str,
        cancel: Option<&CancellationToken>,
        timeout: Duration,
    ) -> Result<Vec<u8>, EngineError> {
        let stream = self.connect()?;
        let _hangup = cancel
            .map(|c| Hangup::new(&stream, c))
            .transpose()
            .map_err(super::io_err("watch Docker's socket"))?;
        let cancelled = || cancel.is_some_and(CancellationToken::is_cancelled);
        let asked = self.request_on(stream, path, Some(timeout));
        if cancelled() {
            return Err(EngineError::Cancelled);
        }
        let (_stream, response) = asked?;
        let body = read_capped(response.body, action);
        if cancelled() {
            return Err(EngineError::Cancelled);
        }
        let body = body?;
        check_response(action, response.status, &body)?;
        Ok(body)
    }

    /// Docker Engine's version (`GET /version`).
    pub fn version(&self) -> Result<String, EngineError> {
        #[derive(Deserialize)]
        struct Version {
            #[serde(rename = "Version")]
            version: String,
        }
        let out = self.answer_or_cancel("version", "/version", None, PROBE_TIMEOUT)?;
        let v: Version = serde_json::from_slice(&out).map_err(|e| bad("version", e.to_string()))?;
        Ok(v.version.chars().take(64).collect())
    }

    /// Docker's images (`GET /images/json`).
    pub fn images(&self) -> Result<Vec<EngineImage>, EngineError> {
        let out = self.answer("images", "/images/json")?;
        parse_images(&out)
    }

    /// One image's ID, names and size (`GET /images/{name}/json`); ended at once when
    /// `cancel` is raised.
    pub(super) fn inspect(
        &self,
        image: &str,
        cancel: &CancellationToken,
    ) -> Result<EngineImage, EngineError> {
        #[derive(Deserialize)]
        struct Inspected {
            #[serde(rename = "Id")]
            id: String,
            #[serde(rename = "RepoTags", default)]
            names: Option<Vec<String>>,
            #[serde(rename = "Size", default)]
            size: u64,
        }
        let out = self.answer_or_cancel(
            "image inspect",
            &format!("/images/{}/json", escape(image)),
            Some(cancel),
            ANSWER_TIMEOUT,
        )?;
        let one: Inspected =
            serde_json::from_slice(&out).map_err(|e| bad("image inspect", e.to_string()))?;
        check_id(&one.id).map_err(|d| bad("image inspect", d))?;
        Ok(EngineImage {
            id: bare(one.id),
            names: real_names(one.names),
            size: one.size,
            created: 0,
        })
    }
}

fn bad(action: &'static str, detail: String) -> EngineError {
    EngineError::BadAnswer {
        engine: "Docker",
        action,
        detail,
    }
}

/// Docker's names as Strata keeps them: never `<none>:<none>`, never one that could not
/// be handed back.
fn real_names(names: Option<Vec<String>>) -> Vec<String> {
    names
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !n.starts_with("<none>") && super::check_image_arg(n).is_ok())
        .collect()
}

/// An image ID as Podman and the app show it: hex, without Docker's `sha256:`.
fn bare(id: String) -> String {
    match id.strip_prefix("sha256:") {
        Some(hex) => hex.to_string(),
        None => id,
    }
}

/// Parses `GET /images/json`.
pub(super) fn parse_images(out: &[u8]) -> Result<Vec<EngineImage>, EngineError> {
    #[derive(Deserialize)]
    struct Listed {
        #[serde(rename = "Id")]
        id: String,
        #[serde(rename = "RepoTags", default)]
        names: Option<Vec<String>>,
        #[serde(rename = "Size", default)]
        size: u64,
        #[serde(rename = "Created", default)]
        created: i64,
    }
    let list: Vec<Listed> =
        serde_json::from_slice(out).map_err(|e| bad("images", e.to_string()))?;
    list.into_iter()
        .map(|l| {
            check_id(&l.id).map_err(|d| bad("images", d))?;
            Ok(EngineImage {
                id: bare(l.id),
                names: real_names(l.names),
                size: l.size,
                created: l.created,
            })
        })
        .collect()
}

/// An image name or ID as a path segment: anything but `[A-Za-z0-9._-/:@]` escaped.
fn escape(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"._-/:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(super) fn image_get_path(image: &str) -> String {
    format!("/images/{}/get", escape(image))
}

/// Reads a body whole, refused over [`MAX_ANSWER`] bytes.
pub(super) fn read_capped(body: impl Read, action: &'static str) -> Result<Vec<u8>, EngineError> {
    let mut out = Vec::new();
    body.take(MAX_ANSWER + 1)
        .read_to_end(&mut out)
        .map_err(super::io_err("read Docker's answer"))?;
    if out.len() as u64 > MAX_ANSWER {
        return Err(EngineError::TooLarge {
            engine: "Docker",
            action,
            limit: MAX_ANSWER,
        });
    }
    Ok(out)
}

/// A non-2xx answer as the daemon's own message (`{"message": "…"}`).
pub(super) fn check_response(
    action: &'static str,
    status: u16,
    body: &[u8],
) -> Result<(), EngineError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    #[derive(Deserialize)]
    struct Message {
        message: String,
    }
    let message = serde_json::from_slice::<Message>(body)
        .map(|m| m.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned());
    Err(EngineError::Failed {
        engine: "docker",
        action,
        status: format!("HTTP {status}"),
        stderr: message.trim().chars().take(1024).collect(),
    })
}

/// Reads a response's status line and headers from `stream`; the body reader follows
/// `Content-Length`, chunked encoding, or the connection's end.
pub(super) fn read_response(stream: UnixStream) -> Result<Response, EngineError> {
    let mut reader = BufReader::with_capacity(64 << 10, stream);
    let proto = |detail: &str| bad("http", detail.to_string());
    let mut read = 0usize;
    let mut line = String::new();
    let mut next_line = |reader: &mut BufReader<UnixStream>, line: &mut String| {
        line.clear();
        let n = (&mut *reader)
            .take((MAX_HEAD - read.min(MAX_HEAD)) as u64)
            .read_line(line)
            .map_err(super::io_err("read Docker's answer"))?;
        read += n;
        if n == 0 || !line.ends_with('\n') {
            return Err(bad("http", "the answer's head is cut or too long".into()));
        }
        Ok(())
    };
    next_line(&mut reader, &mut line)?;
    let status = line
        .strip_prefix("HTTP/1.")
        .and_then(|l| l.get(2..5))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| proto("the answer is not HTTP/1.x"))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        next_line(&mut reader, &mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let Some((k, v)) = l.split_once(':') else {
            return Err(proto("a header line without `:`"));
        };
        let v = v.trim();
        if k.eq_ignore_ascii_case("content-length") {
            length = Some(
                v.parse::<u64>()
                    .map_err(|_| proto("a bad Content-Length"))?,
            );
        } else if k.eq_ignore_ascii_case("transfer-encoding") {
            chunked = v.to_ascii_lowercase().contains("chunked");
        }
    }
    let body: Box<dyn Read + Send> = match (chunked, length) {
        (true, _) => Box::new(ChunkedReader {
            inner: reader,
            left: 0,
            done: false,
        }),
        (false, Some(n)) => Box::new(reader.take(n)),
        (false, None) => Box::new(reader),
    };
    Ok(Response { status, body })
}

/// A chunked response body, decoded.
struct ChunkedReader<R> {
    inner: R,
    left: u64,
    done: bool,
}

impl<R: BufRead> ChunkedReader<R> {
    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        (&mut self.inner).take(4096).read_line(&mut line)?;
        if !line.ends_with('\n') {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a chunked answer is cut",
            ));
        }
        Ok(line)
    }
}

impl<R: BufRead> Read for ChunkedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let line = self.line()?;
            let size = line.trim_end().split(';').next().unwrap_or("");
            let size = u64::from_str_radix(size.trim(), 16)
                .ok()
                .filter(|&n| n <= MAX_CHUNK)
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a bad chunk size in Docker's answer",
                    )
                })?;
            if size == 0 {
                // Trailers, then the blank line: read to it (or to the end).
                while !self.line().map(|l| l.trim_end().is_empty()).unwrap_or(true) {}
                self.done = true;
                return Ok(0);
            }
            self.left = size;
        }
        let want = buf.len().min(self.left as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a chunked answer is cut",
            ));
        }
        self.left -= n as u64;
        if self.left == 0 {
            let end = self.line()?;
            if !end.trim_end().is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a chunk does not end with CRLF",
                ));
            }
        }
        Ok(n)
    }
}

/// A request body sent chunked: each write is one chunk; [`ChunkedWriter::finish`] sends
/// the last.
pub(super) struct ChunkedWriter<W: Write> {
    inner: W,
}

impl<W: Write> ChunkedWriter<W> {
    pub fn new(inner: W) -> Self {
        ChunkedWriter { inner }
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.inner.write_all(b"0\r\n\r\n")?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for ChunkedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        write!(self.inner, "{:x}\r\n", buf.len())?;
        self.inner.write_all(buf)?;
        self.inner.write_all(b"\r\n")?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Starts `POST {path}` with a chunked body of `content_type`; the stream to write it on.
pub(super) fn post_chunked(
    docker: &Docker,
    path: &str,
    content_type: &str,
) -> Result<UnixStream, EngineError> {
    let stream = docker.connect()?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: strata\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    (&stream)
        .write_all(head.as_bytes())
        .map_err(super::io_err("send a request to Docker Engine"))?;
    Ok(stream)
}

/// Shuts a socket down once the task is cancelled, from a thread of its own: a read or
/// write blocked on the daemon then ends at once.
pub(super) struct Hangup {
    finished: Arc<AtomicBool>,
    watcher: Option<JoinHandle<()>>,
}

impl Hangup {
    pub fn new(stream: &UnixStream, cancel: &CancellationToken) -> io::Result<Hangup> {
        let stream = stream.try_clone()?;
        let finished = Arc::new(AtomicBool::new(false));
        let (done, cancel) = (finished.clone(), cancel.clone());
        let watcher = std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if cancel.is_cancelled() {
                    let _ = stream.shutdown(Shutdown::Both);
                    return;
                }
                std::thread::sleep(POLL);
            }
        });
        Ok(Hangup {
            finished,
            watcher: Some(watcher),
        })
    }
}

impl Drop for Hangup {
    fn drop(&mut self) {
        self.finished.store(true, Ordering::Relaxed);
        if let Some(w) = self.watcher.take() {
            let _ = w.join();
        }
    }
}

/// What `POST /images/load` answered: a JSON stream of `{"stream": "Loaded image: …"}`
/// lines, or `{"error": …}`.
pub(super) fn parse_load(out: &[u8]) -> Result<Vec<String>, EngineError> {
    #[derive(Deserialize)]
    struct Line {
        #[serde(default)]
        stream: Option<String>,
        #[serde(default)]
        error: Option<String>,
    }
    let mut loaded = Vec::new();
    for item in serde_json::Deserializer::from_slice(out).into_iter::<Line>() {
        let line = item.map_err(|e| bad("load", e.to_string()))?;
        if let Some(error) = line.error {
            return Err(EngineError::Failed {
                engine: "docker",
                action: "load",
                status: "error".into(),
                stderr: error.trim().chars().take(1024).collect(),
            });
        }
        for l in line.stream.unwrap_or_default().lines() {
            let name = l
                .strip_prefix("Loaded image: ")
                .or_else(|| l.strip_prefix("Loaded image ID: "));
            if let Some(n) = name {
                loaded.push(n.trim().chars().take(256).collect());
            }
        }
    }
    Ok(loaded)
}

/// Without Unix sockets in the standard library (Windows, where Docker listens on a named
/// pipe) there is no connection to Docker: every connect fails, and nothing else is reached.
#[cfg(not(unix))]
use no_unix_socket::UnixStream;

#[cfg(not(unix))]
mod no_unix_socket {
    use std::convert::Infallible;
    use std::io::{self, Read, Write};
    use std::net::Shutdown;
    use std::path::Path;
    use std::time::Duration;

    #[derive(Debug)]
    pub(crate) struct UnixStream {
        never: Infallible,
    }

    impl UnixStream {
        pub fn connect(_path: &Path) -> io::Result<UnixStream> {
            Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "this is {}, and Strata reaches Docker only through a Unix socket",
                    std::env::consts::OS
                ),
            ))
        }

        pub fn try_clone(&self) -> io::Result<UnixStream> {
            match self.never {}
        }

        pub fn shutdown(&self, _how: Shutdown) -> io::Result<()> {
            match self.never {}
        }

        pub fn set_read_timeout(&self, _timeout: Option<Duration>) -> io::Result<()> {
            match self.never {}
        }

        pub fn set_write_timeout(&self, _timeout: Option<Duration>) -> io::Result<()> {
            match self.never {}
        }
    }

    impl Read for UnixStream {
        fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
            match self.never {}
        }
    }

    impl Read for &UnixStream {
        fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
            match self.never {}
        }
    }

    impl Write for &UnixStream {
        fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
            match self.never {}
        }

        fn flush(&mut self) -> io::Result<()> {
            match self.never {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode_and_bad_ones_fail() {
        let body = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n";
        let mut r = ChunkedReader {
            inner: &body[..],
            left: 0,
            done: false,
        };
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        assert_eq!(out, "hello world");
        for bad in [
            &b"zz\r\nhello"[..],
            b"5\r\nhel",
            b"5\r\nhelloXX0\r\n\r\n",
            b"FFFFFFFFFFFF\r\n",
        ] {
            let mut r = ChunkedReader {
                inner: bad,
                left: 0,
                done: false,
            };
            assert!(r.read_to_end(&mut Vec::new()).is_err(), "{bad:?}");
        }
        let mut w = ChunkedWriter::new(Vec::new());
        w.write_all(b"abc").unwrap();
        assert_eq!(w.finish().unwrap(), b"3\r\nabc\r\n0\r\n\r\n");
    }

    #[test]
    fn docker_answers_are_checked() {
        let id = "sha256:1201e8944c9e9101c1c66132845f5a16402cd78539d1c20ff683efa011b97e40";
        let list = format!(
            r#"[{{"Id":"{id}","RepoTags":["busybox:1","<none>:<none>","-x"],"Size":5,"Created":7}},
                {{"Id":"{id}","RepoTags":null}}]"#
        );
        let list = parse_images(list.as_bytes()).unwrap();
        assert_eq!(list[0].names, ["busybox:1"]);
        assert_eq!(list[0].id, &id["sha256:".len()..]);
        assert!(list[1].names.is_empty());
        assert!(parse_images(br#"[{"Id":"../../x"}]"#).is_err());
        assert_eq!(
            parse_load(b"{\"stream\":\"Loaded image: a:1\\n\"}\n{\"stream\":\"Loaded image ID: sha256:ab\\n\"}").unwrap(),
            ["a:1", "sha256:ab"]
        );
        let err = parse_load(br#"{"errorDetail":{"message":"no"},"error":"unexpected EOF"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("unexpected EOF"), "{err}");
        assert_eq!(escape("a/b:1@sha256:x y%"), "a/b:1@sha256:x%20y%25");
    }
}
