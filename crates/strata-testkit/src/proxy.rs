//! A loopback HTTP/1.1 reverse proxy in front of a [`Registry`], for fault and feature
//! injection: cut connections mid-blob or mid-upload, made-up 500/429/503 answers, delays,
//! throttling, and tag-list pagination that distribution 2.8 lacks.
//!
//! Every request is logged ([`Proxy::requests`]), so tests can assert what a client did:
//! "the re-push sent only HEAD requests", "the second push mounted the blob".
//!
//! The proxy runs its own tokio runtime on its own thread, so blocking tests and async
//! tests use it alike. Bodies stream frame by frame, never held whole. In token mode the
//! registry's challenge still names the issuer directly; only registry traffic goes through
//! the proxy.
//!
//! ```no_run
//! use strata_testkit::proxy::{Proxy, Rule, BLOB_PATH};
//! use strata_testkit::registry::{Auth, Registry};
//!
//! let registry = Registry::start(Auth::None)?;
//! let proxy = Proxy::start(
//!     &registry,
//!     vec![
//!         Rule::cut_after(4096).method("GET").path_regex(BLOB_PATH),
//!         Rule::too_many_requests(1).method("HEAD"),
//!     ],
//! )?;
//! println!("pull from {}/library/demo:1", proxy.host());
//! assert_eq!(proxy.count("HEAD", "/v2/"), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod body;
mod log;
mod rule;
mod serve;
mod tags;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::registry::Registry;
use log::lock;
use serve::Shared;

pub use log::Exchange;
pub use rule::{Action, Rule, BLOB_PATH, MANIFEST_PATH, TAGS_PATH, UPLOAD_PATH};

/// Why a proxy could not be started or a rule not added.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("the proxy's upstream {0:?} is not an http://host:port URL")]
    BadUpstream(String),
    #[error("the path regex {regex:?} of a proxy rule does not compile: {reason}")]
    BadRule { regex: String, reason: String },
    #[error("the proxy could not listen on 127.0.0.1: {0}")]
    Listen(#[from] std::io::Error),
}

/// Where a proxy forwards to: a [`Registry`], another [`Proxy`], an address, or an
/// `http://host:port` URL.
pub trait ToUpstream {
    /// The upstream's socket address.
    fn upstream_addr(&self) -> Result<SocketAddr, ProxyError>;
}

impl ToUpstream for Registry {
    fn upstream_addr(&self) -> Result<SocketAddr, ProxyError> {
        Ok(self.addr)
    }
}

impl ToUpstream for Proxy {
    fn upstream_addr(&self) -> Result<SocketAddr, ProxyError> {
        Ok(self.addr)
    }
}

impl ToUpstream for SocketAddr {
    fn upstream_addr(&self) -> Result<SocketAddr, ProxyError> {
        Ok(*self)
    }
}

impl ToUpstream for str {
    fn upstream_addr(&self) -> Result<SocketAddr, ProxyError> {
        let bad = || ProxyError::BadUpstream(self.to_string());
        let url = url::Url::parse(self).map_err(|_| bad())?;
        if url.scheme() != "http" {
            return Err(bad());
        }
        let host = url.host_str().ok_or_else(bad)?;
        let port = url.port_or_known_default().ok_or_else(bad)?;
        (host, port)
            .to_socket_addrs()
            .map_err(|_| bad())?
            .next()
            .ok_or_else(bad)
    }
}

impl ToUpstream for String {
    fn upstream_addr(&self) -> Result<SocketAddr, ProxyError> {
        self.as_str().upstream_addr()
    }
}

/// A running proxy. Dropping it closes its port and every connection through it.
pub struct Proxy {
    /// `127.0.0.1:PORT`.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("addr", &self.addr)
            .field("upstream", &self.shared.upstream)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `upstream`, applying `rules` in
    /// order (see [`Rule`]).
    pub fn start(
        upstream: &(impl ToUpstream + ?Sized),
        rules: Vec<Rule>,
    ) -> Result<Self, ProxyError> {
        let upstream = upstream.upstream_addr()?;
        let rules = rules
            .into_iter()
            .map(Rule::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            addr,
            rules: Mutex::new(rules),
            log: log::Log::default(),
        });
        let (stop_tx, stop_rx) = oneshot::channel();
        let (ready_tx, ready_rx) = mpsc::channel::<std::io::Result<()>>();
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("testkit-proxy-{}", addr.port()))
                .spawn(move || run(listener, shared, stop_rx, ready_tx))?
        };
        ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("the proxy thread ended before it started"))??;
        Ok(Self {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:PORT`, the registry part of an image reference.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// Where it forwards to.
    pub fn upstream(&self) -> SocketAddr {
        self.shared.upstream
    }

    /// Adds a rule after the existing ones; returns its index for [`Proxy::fired`].
    pub fn add_rule(&self, rule: Rule) -> Result<usize, ProxyError> {
        let compiled = rule.compile()?;
        let mut rules = lock(&self.shared.rules);
        rules.push(compiled);
        Ok(rules.len() - 1)
    }

    /// Removes every rule: from now on the proxy only forwards and logs.
    pub fn clear_rules(&self) {
        lock(&self.shared.rules).clear();
    }

    /// How many times rule `index` (in the order given, then added) has fired.
    pub fn fired(&self, index: usize) -> usize {
        lock(&self.shared.rules).get(index).map_or(0, |r| r.fired)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Exchange> {
        self.shared.log.snapshot()
    }

    /// Forgets the log (not the rules' counters), e.g. between a push and a re-push.
    pub fn clear_log(&self) {
        self.shared.log.clear();
    }

    /// How many logged requests have this method (case-insensitive) and a path starting
    /// with `path_prefix`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|e| e.method.eq_ignore_ascii_case(method) && e.path.starts_with(path_prefix))
            .count()
    }

    /// The methods of every logged request, e.g. to assert that a re-push sent only HEADs.
    pub fn methods(&self) -> Vec<String> {
        self.requests().into_iter().map(|e| e.method).collect()
    }

    /// Stops now rather than at the end of scope.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // The runtime closed the listener and every connection before the thread ended;
        // this only guards against a kernel that is slow to free the port.
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(2)
            && TcpStream::connect_timeout(&self.addr, Duration::from_millis(100)).is_ok()
        {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// The proxy thread: owns the runtime, so that dropping it never happens inside a
/// caller's async context (which tokio forbids).
fn run(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop: oneshot::Receiver<()>,
    ready: mpsc::Sender<std::io::Result<()>>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("testkit-proxy-worker")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let listener = {
        let _context = runtime.enter();
        tokio::net::TcpListener::from_std(listener)
    };
    let listener = match listener {
        Ok(listener) => listener,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    runtime.block_on(serve::serve(listener, shared, stop));
    runtime.shutdown_timeout(Duration::from_secs(1));
}
