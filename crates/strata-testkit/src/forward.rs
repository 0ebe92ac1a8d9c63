//! A loopback forward proxy, as a corporate or national-network HTTP proxy is: `CONNECT
//! host:port` tunnels (what a client does for an `https` registry) and absolute-form
//! requests (`GET http://host:port/v2/ HTTP/1.1`, what a client does for a plain-`http`
//! registry). Each request line is logged ([`ForwardProxy::log`]), so a test can show
//! which traffic went through it.
//!
//! Each forwarded request gets its own upstream connection, closed after the answer
//! (`Connection: close` is sent upstream), so that every request is seen and logged. One
//! thread per connection: it serves tests, not traffic.
//!
//! ```no_run
//! use strata_testkit::forward::ForwardProxy;
//! let proxy = ForwardProxy::start()?;
//! println!("HTTPS_PROXY={}", proxy.url());
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};

use crate::logged::{pipe, Log, LoggedServer};

/// A running forward proxy on `127.0.0.1`. Dropping it stops accepting connections.
pub struct ForwardProxy {
    pub addr: SocketAddr,
    server: LoggedServer,
}

impl ForwardProxy {
    /// Listens on a free loopback port.
    pub fn start() -> std::io::Result<ForwardProxy> {
        let server = LoggedServer::start(serve)?;
        Ok(ForwardProxy {
            addr: server.addr,
            server,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request line seen: `CONNECT 127.0.0.1:5000`, `GET http://127.0.0.1:5000/v2/`.
    pub fn log(&self) -> Vec<String> {
        self.server.log()
    }

    /// How many logged lines contain `text`.
    pub fn count(&self, text: &str) -> usize {
        self.server.count(text)
    }
}

fn serve(client: TcpStream, log: &Log) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(());
    };
    let (method, target, version) = (method.to_string(), target.to_string(), version.to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            return Ok(());
        }
        if h == "\r\n" || h == "\n" {
            break;
        }
        headers.push(h);
    }
    let mut client_w = client.try_clone()?;
    if method.eq_ignore_ascii_case("CONNECT") {
        if let Ok(mut l) = log.lock() {
            l.push(format!("CONNECT {target}"));
        }
        let Ok(upstream) = TcpStream::connect(&target) else {
            client_w.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")?;
            return Ok(());
        };
        client_w.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
        return pipe(reader, client_w, upstream);
    }
    // Absolute form: `GET http://host:port/path HTTP/1.1`.
    let Some(rest) = target.strip_prefix("http://") else {
        client_w.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")?;
        return Ok(());
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if let Ok(mut l) = log.lock() {
        l.push(format!("{method} {target}"));
    }
    let authority_port = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let Ok(mut upstream) = TcpStream::connect(&authority_port) else {
        client_w.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")?;
        return Ok(());
    };
    let mut head = format!("{method} {path} {version}\r\n");
    for h in &headers {
        let name = h.split(':').next().unwrap_or_default().trim();
        if [
            "connection",
            "proxy-connection",
            "keep-alive",
            "proxy-authorization",
        ]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
        {
            continue;
        }
        head.push_str(h);
    }
    head.push_str("Connection: close\r\n\r\n");
    upstream.write_all(head.as_bytes())?;
    pipe(reader, client_w, upstream)
}
