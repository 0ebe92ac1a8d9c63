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

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A running forward proxy on `127.0.0.1`. Dropping it stops accepting connections.
pub struct ForwardProxy {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl ForwardProxy {
    /// Listens on a free loopback port.
    pub fn start() -> std::io::Result<ForwardProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let log = log2.clone();
                thread::spawn(move || {
                    let _ = serve(conn, &log);
                });
            }
        });
        Ok(ForwardProxy { addr, log, stop })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request line seen: `CONNECT 127.0.0.1:5000`, `GET http://127.0.0.1:5000/v2/`.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// How many logged lines contain `text`.
    pub fn count(&self, text: &str) -> usize {
        self.log().iter().filter(|l| l.contains(text)).count()
    }
}

impl Drop for ForwardProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn serve(client: TcpStream, log: &Mutex<Vec<String>>) -> std::io::Result<()> {
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

/// Copies both ways until the upstream closes, then closes the client.
fn pipe(
    mut from_client: BufReader<TcpStream>,
    mut to_client: TcpStream,
    upstream: TcpStream,
) -> std::io::Result<()> {
    let mut to_upstream = upstream.try_clone()?;
    let up = thread::spawn(move || {
        // What the reader already buffered goes first.
        let buffered = from_client.buffer().to_vec();
        let _ = to_upstream.write_all(&buffered);
        from_client.consume(buffered.len());
        let mut inner = from_client.into_inner();
        let _ = std::io::copy(&mut inner, &mut to_upstream);
        let _ = to_upstream.shutdown(Shutdown::Write);
    });
    let mut from_upstream = upstream;
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = match from_upstream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if to_client.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to_client.shutdown(Shutdown::Both);
    let _ = from_upstream.shutdown(Shutdown::Both);
    let _ = up.join();
    Ok(())
}
