//! A loopback SOCKS5 proxy (RFC 1928, no authentication, `CONNECT` only), as `ssh -D` or a
//! desktop proxy client gives. Each `CONNECT` target is logged ([`SocksProxy::log`]) as
//! `CONNECT host:port` — a name for `socks5h://` (the proxy resolves it), an address for
//! `socks5://` (the client resolved it) — so a test can show which traffic went through.
//! One thread per connection: it serves tests, not traffic.

use std::io::{BufReader, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};

use crate::logged::{pipe, Log, LoggedServer};

/// A running SOCKS5 proxy on `127.0.0.1`. Dropping it stops accepting connections.
pub struct SocksProxy {
    pub addr: SocketAddr,
    server: LoggedServer,
}

impl SocksProxy {
    /// Listens on a free loopback port.
    pub fn start() -> std::io::Result<SocksProxy> {
        let server = LoggedServer::start(serve)?;
        Ok(SocksProxy {
            addr: server.addr,
            server,
        })
    }

    /// `socks5://127.0.0.1:PORT` (or `socks5h://…` with `remote_dns`).
    pub fn url(&self, remote_dns: bool) -> String {
        let scheme = if remote_dns { "socks5h" } else { "socks5" };
        format!("{scheme}://{}", self.addr)
    }

    /// Every `CONNECT host:port` seen.
    pub fn log(&self) -> Vec<String> {
        self.server.log()
    }

    /// How many logged lines contain `text`.
    pub fn count(&self, text: &str) -> usize {
        self.server.count(text)
    }
}

fn serve(mut client: TcpStream, log: &Log) -> std::io::Result<()> {
    // Greeting: VER, NMETHODS, METHODS; "no authentication" is the only one offered back.
    let mut head = [0u8; 2];
    client.read_exact(&mut head)?;
    let mut methods = vec![0u8; head[1] as usize];
    client.read_exact(&mut methods)?;
    if head[0] != 5 || !methods.contains(&0) {
        client.write_all(&[5, 0xff])?;
        return Ok(());
    }
    client.write_all(&[5, 0])?;
    // Request: VER, CMD, RSV, ATYP, DST.ADDR, DST.PORT.
    let mut req = [0u8; 4];
    client.read_exact(&mut req)?;
    let host = match req[3] {
        1 => {
            let mut a = [0u8; 4];
            client.read_exact(&mut a)?;
            Ipv4Addr::from(a).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len)?;
            let mut name = vec![0u8; len[0] as usize];
            client.read_exact(&mut name)?;
            String::from_utf8_lossy(&name).into_owned()
        }
        4 => {
            let mut a = [0u8; 16];
            client.read_exact(&mut a)?;
            format!("[{}]", Ipv6Addr::from(a))
        }
        _ => {
            client.write_all(&[5, 8, 0, 1, 0, 0, 0, 0, 0, 0])?;
            return Ok(());
        }
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port)?;
    let target = format!("{host}:{}", u16::from_be_bytes(port));
    if req[1] != 1 {
        client.write_all(&[5, 7, 0, 1, 0, 0, 0, 0, 0, 0])?;
        return Ok(());
    }
    if let Ok(mut l) = log.lock() {
        l.push(format!("CONNECT {target}"));
    }
    let upstream = match TcpStream::connect(target.trim_start_matches('[').replace("]:", ":")) {
        Ok(s) => s,
        Err(_) => {
            client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0])?;
            return Ok(());
        }
    };
    client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])?;
    pipe(BufReader::new(client.try_clone()?), client, upstream)
}
