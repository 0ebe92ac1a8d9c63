//! A tiny blocking HTTP server on a loopback port for the fake management APIs
//! ([`crate::harbor`], [`crate::dockerhub`]): one thread, one handler, every request
//! logged, stopped (and its port closed) on drop.

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

/// Bodies larger than this are refused; management calls are small.
const MAX_BODY: u64 = 64 * 1024;

/// One request as a handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The decoded path, without the query.
    pub path: String,
    /// The raw path as sent (still percent-encoded).
    pub raw_path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The page number (from 1) and size in `page` / `page_size`.
    pub fn paging(&self, default_size: usize, max_size: usize) -> (usize, usize) {
        let n = |name: &str, d: usize| self.query(name).and_then(|v| v.parse().ok()).unwrap_or(d);
        (
            n("page", 1).max(1),
            n("page_size", default_size).clamp(1, max_size),
        )
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// One answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl Response {
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body,
            headers: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: impl ToString) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// `(method, path, status)` of each request.
pub type Log = Arc<Mutex<Vec<(String, String, u16)>>>;

/// A running server.
pub struct Served {
    server: Option<Arc<tiny_http::Server>>,
    thread: Option<JoinHandle<()>>,
    pub addr: SocketAddr,
    pub log: Log,
}

impl Served {
    pub fn start(
        name: &str,
        handler: impl Fn(&Request) -> Response + Send + 'static,
    ) -> std::io::Result<Self> {
        let server = tiny_http::Server::http((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| std::io::Error::other("not an IP address"))?;
        let server = Arc::new(server);
        let log: Log = Arc::default();
        let thread = {
            let server = Arc::clone(&server);
            let log = Arc::clone(&log);
            std::thread::Builder::new()
                .name(name.to_string())
                .spawn(move || {
                    for request in server.incoming_requests() {
                        serve(request, &handler, &log);
                    }
                })?
        };
        Ok(Self {
            server: Some(server),
            thread: Some(thread),
            addr,
            log,
        })
    }
}

fn serve(mut request: tiny_http::Request, handler: &dyn Fn(&Request) -> Response, log: &Log) {
    let target = request.url().to_string();
    let (raw_path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut body = Vec::new();
    let _ = request.as_reader().take(MAX_BODY).read_to_end(&mut body);
    let req = Request {
        method: request.method().to_string(),
        path: percent_decode(raw_path),
        raw_path: raw_path.to_string(),
        query: url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        headers: request
            .headers()
            .iter()
            .map(|h| (h.field.to_string(), h.value.to_string()))
            .collect(),
        body,
    };
    let answer = handler(&req);
    if let Ok(mut log) = log.lock() {
        log.push((req.method.clone(), req.raw_path.clone(), answer.status));
    }
    let text = if answer.body.is_null() {
        String::new()
    } else {
        answer.body.to_string()
    };
    let mut response = tiny_http::Response::from_string(text).with_status_code(answer.status);
    let mut headers = answer.headers;
    headers.push(("Content-Type".into(), "application/json".into()));
    for (name, value) in headers {
        if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response = response.with_header(h);
        }
    }
    let _ = request.respond(response);
}

fn percent_decode(path: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", path.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.unblock();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        drop(self.server.take());
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_secs(2)
            && std::net::TcpStream::connect_timeout(&self.addr, Duration::from_millis(100)).is_ok()
        {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
