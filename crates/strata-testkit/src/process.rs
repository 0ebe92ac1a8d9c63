//! Child processes that cannot outlive the test process, free loopback ports, and waiting
//! for an HTTP server to answer.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Spawns `command` so that the kernel kills it if the test process dies without running
/// `Drop` (a panic with `panic = abort`, a SIGKILL from a timeout, a registry kept in a
/// `static`).
///
/// `PR_SET_PDEATHSIG` fires when the *thread* that forked exits, not the process; test
/// threads end with each test, so every spawn goes through one thread that lives as long
/// as the process.
pub(crate) fn spawn_supervised(mut command: Command) -> io::Result<Child> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        thread::Builder::new()
            .name("testkit-spawner".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    let _ = reply.send(command.spawn());
                }
            })
            .expect("the testkit spawner thread starts");
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    spawner
        .lock()
        .map_err(|_| io::Error::other("the testkit spawner lock is poisoned"))?
        .send((command, reply_tx))
        .map_err(|_| io::Error::other("the testkit spawner thread is gone"))?;
    reply_rx
        .recv()
        .map_err(|_| io::Error::other("the testkit spawner thread is gone"))?
}

/// A loopback port nobody listens on right now. Another process may take it before we
/// use it; callers retry on "address already in use".
pub(crate) fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// The HTTP status of `GET path` on `addr`, or `None` when nothing answers.
pub(crate) fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 32];
    let mut got = 0;
    while got < 12 {
        match stream.read(&mut head[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    // "HTTP/1.1 200 ..." — the code is bytes 9..12.
    std::str::from_utf8(head.get(9..12)?).ok()?.parse().ok()
}

/// Polls until `ready` returns `Some`, `gave_up` returns `Some(reason)`, or `timeout`.
pub(crate) fn poll_until<T>(
    timeout: Duration,
    mut ready: impl FnMut() -> Option<T>,
    mut gave_up: impl FnMut() -> Option<String>,
) -> Result<T, String> {
    let start = Instant::now();
    loop {
        if let Some(value) = ready() {
            return Ok(value);
        }
        if let Some(reason) = gave_up() {
            return Err(reason);
        }
        if start.elapsed() > timeout {
            return Err(format!("no answer within {} s", timeout.as_secs()));
        }
        thread::sleep(Duration::from_millis(25));
    }
}
