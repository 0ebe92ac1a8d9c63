//! What the testkit's loopback proxies ([`ForwardProxy`](crate::forward::ForwardProxy),
//! [`SocksProxy`](crate::socks::SocksProxy)) share: a listener on a free `127.0.0.1` port
//! that serves each connection on its own thread (they serve tests, not traffic), the log
//! of what went through them, and the copying of a tunnel both ways.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The lines a proxy logged, one per request or tunnel.
pub(crate) type Log = Mutex<Vec<String>>;

/// A running listener. Dropping it stops accepting connections.
pub(crate) struct LoggedServer {
    pub(crate) addr: SocketAddr,
    log: Arc<Log>,
    stop: Arc<AtomicBool>,
}

impl LoggedServer {
    /// Listens on a free loopback port; every connection goes to `serve` on a thread.
    pub(crate) fn start(
        serve: fn(TcpStream, &Log) -> std::io::Result<()>,
    ) -> std::io::Result<LoggedServer> {
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
        Ok(LoggedServer { addr, log, stop })
    }

    /// Every line logged so far.
    pub(crate) fn log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// How many logged lines contain `text`.
    pub(crate) fn count(&self, text: &str) -> usize {
        self.log().iter().filter(|l| l.contains(text)).count()
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// Copies both ways until the upstream closes, then closes the client.
pub(crate) fn pipe(
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
