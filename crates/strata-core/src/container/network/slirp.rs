//! Attaching a run to its network: a network namespace of its own and slirp4netns (the
//! parent module says how). Linux only: namespaces, `unshare` and slirp4netns are Linux's.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{ContainerError, Network, TAP};

/// Podman's MTU for slirp4netns: large frames make user-mode networking much faster.
const MTU: u32 = 65520;
/// How long slirp4netns may take to set up `tap0`.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// What a running container's network holds: the namespace's descriptor and slirp4netns.
/// Dropping it stops slirp4netns and lets the namespace go with the container.
#[derive(Debug, Default)]
pub(crate) struct Attached {
    netns: Option<OwnedFd>,
    slirp: Option<Slirp>,
}

#[derive(Debug)]
struct Slirp {
    child: Child,
    /// Our end of `--exit-fd`: closing it tells slirp4netns to exit.
    exit: Option<OwnedFd>,
}

impl Attached {
    /// Sets up `network` for a run whose bundle is `dir` (slirp4netns logs there).
    pub(crate) fn start(network: Network, dir: &Path) -> Result<Attached, ContainerError> {
        let Network::Slirp4netns {
            allow_host_loopback,
        } = network
        else {
            return Ok(Attached::default());
        };
        let binary = find_slirp4netns()?;
        let netns = new_namespace().map_err(|e| {
            ContainerError::Network(format!("cannot make a network namespace: {e}"))
        })?;
        let path = fd_path(&netns);
        let slirp = start_slirp(&binary, &path, allow_host_loopback, dir)?;
        Ok(Attached {
            netns: Some(netns),
            slirp: Some(slirp),
        })
    }

    /// The namespace for the runtime spec's `path`; `None` when runc makes its own (or
    /// there is none).
    pub(crate) fn namespace_path(&self) -> Option<PathBuf> {
        self.netns.as_ref().map(fd_path)
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        if let Some(mut slirp) = self.slirp.take() {
            slirp.exit.take();
            stop(&mut slirp.child, Duration::from_secs(2));
        }
    }
}

/// Waits up to `grace` for `child` to exit, then kills it.
fn stop(child: &mut Child, grace: Duration) {
    let until = Instant::now() + grace;
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `/proc/<pid>/fd/<fd>`: a path another process (runc, slirp4netns) can open to reach the
/// namespace while we hold the descriptor.
fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!(
        "/proc/{}/fd/{}",
        std::process::id(),
        fd.as_raw_fd()
    ))
}

/// slirp4netns on `$PATH` or in the usual places.
fn find_slirp4netns() -> Result<PathBuf, ContainerError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin", "/usr/local/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join("slirp4netns"))
        .find(|p| p.is_file())
        .ok_or(ContainerError::NoSlirp4netns)
}

/// A new network namespace with `lo` up, as a descriptor. Made on a thread of its own, since
/// `unshare(CLONE_NEWNET)` moves the calling thread; the thread ends right after, and the
/// descriptor keeps the namespace.
fn new_namespace() -> io::Result<OwnedFd> {
    std::thread::Builder::new()
        .name("strata-netns".into())
        .spawn(|| -> io::Result<OwnedFd> {
            // SAFETY: unshare takes no pointers; CLONE_NEWNET moves only this thread, which
            // does nothing else before it ends.
            if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
                return Err(io::Error::last_os_error());
            }
            loopback_up()?;
            Ok(File::open("/proc/thread-self/ns/net")?.into())
        })?
        .join()
        .map_err(|_| io::Error::other("the namespace thread panicked"))?
}

/// `ip link set lo up`, in the calling thread's network namespace.
fn loopback_up() -> io::Result<()> {
    // SAFETY: socket takes no pointers; the descriptor is owned (and closed) right away.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a new descriptor that nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: ifreq is plain data, valid all zero.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    // SAFETY: `req` is a valid ifreq naming an interface; the ioctls read and write only it.
    unsafe {
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) != 0 {
            return Err(io::Error::last_os_error());
        }
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// A pipe, both ends close-on-exec: (read, write).
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors are new and owned by nothing else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Starts slirp4netns on the namespace at `netns` and waits until `tap0` is up.
fn start_slirp(
    binary: &Path,
    netns: &Path,
    allow_host_loopback: bool,
    dir: &Path,
) -> Result<Slirp, ContainerError> {
    let fail = |what: &str, e: io::Error| ContainerError::Network(format!("{what}: {e}"));
    let (ready_r, ready_w) = pipe().map_err(|e| fail("cannot make a pipe", e))?;
    let (exit_r, exit_w) = pipe().map_err(|e| fail("cannot make a pipe", e))?;
    let log_path = dir.join("slirp4netns.log");
    let log = File::create(&log_path).map_err(|e| ContainerError::io("create", &log_path, e))?;
    let log2 = log
        .try_clone()
        .map_err(|e| ContainerError::io("open", &log_path, e))?;
    let mut cmd = Command::new(binary);
    cmd.arg("--configure").arg(format!("--mtu={MTU}"));
    if !allow_host_loopback {
        cmd.arg("--disable-host-loopback");
    }
    // slirp4netns's own confinement: an empty root of its own and a seccomp filter.
    cmd.args(["--enable-sandbox", "--enable-seccomp"])
        .arg(format!("--ready-fd={}", ready_w.as_raw_fd()))
        .arg(format!("--exit-fd={}", exit_r.as_raw_fd()))
        .arg("--netns-type=path")
        .arg(netns)
        .arg(TAP)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2);
    let (keep_ready, keep_exit) = (ready_w.as_raw_fd(), exit_r.as_raw_fd());
    // SAFETY: between fork and exec this calls only fcntl and setsid, both async-signal-safe,
    // on descriptors that are open in the child.
    unsafe {
        cmd.pre_exec(move || {
            for fd in [keep_ready, keep_exit] {
                if libc::fcntl(fd, libc::F_SETFD, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            // Its own session: a Ctrl-C meant for `strata run` does not cut the network.
            libc::setsid();
            Ok(())
        });
    }
    let child = cmd
        .spawn()
        .map_err(|e| fail(&format!("cannot start {}", binary.display()), e))?;
    drop((ready_w, exit_r));
    let mut slirp = Slirp {
        child,
        exit: Some(exit_w),
    };
    match wait_ready(ready_r) {
        Ok(()) => Ok(slirp),
        Err(reason) => {
            slirp.exit.take();
            stop(&mut slirp.child, Duration::from_millis(500));
            let mut log = String::new();
            let _ = File::open(&log_path).and_then(|f| f.take(4096).read_to_string(&mut log));
            let last = log
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim();
            Err(ContainerError::Network(if last.is_empty() {
                format!("slirp4netns did not start: {reason}")
            } else {
                format!("slirp4netns did not start: {reason} ({last})")
            }))
        }
    }
}

/// Waits for slirp4netns's `1` on the ready pipe.
fn wait_ready(ready: OwnedFd) -> Result<(), String> {
    let until = Instant::now() + READY_TIMEOUT;
    let mut file = File::from(ready);
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("no answer in {} s", READY_TIMEOUT.as_secs()));
        }
        let mut poll = libc::pollfd {
            fd: file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = left.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut poll, 1, ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e.to_string());
        }
        if n == 0 {
            continue;
        }
        let mut byte = [0u8; 1];
        return match file.read(&mut byte) {
            Ok(1) if byte[0] == b'1' => Ok(()),
            Ok(0) => Err("it exited".into()),
            Ok(_) => Err("it sent an unexpected answer".into()),
            Err(e) => Err(e.to_string()),
        };
    }
}
