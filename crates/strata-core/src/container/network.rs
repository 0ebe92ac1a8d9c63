//! A run's network. By default each run gets a network namespace of its own with user-mode
//! networking through [slirp4netns], as Podman does: the container sees `lo` and `tap0`
//! (10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3, MTU 65520) and reaches the outside
//! through a process on the host that speaks TCP/IP in user space. The host's own loopback
//! (10.0.2.2 → 127.0.0.1) stays closed unless asked for, so a container cannot talk to
//! services that listen on the host's 127.0.0.1 believing only local users can.
//!
//! | [`Network`] | namespace | what the container reaches |
//! |---|---|---|
//! | `slirp4netns` (default) | its own | the outside, through slirp4netns; not the host's loopback |
//! | `slirp4netns:allow_host_loopback=true` | its own | the same, and the host's 127.0.0.1 as 10.0.2.2 |
//! | `host` | the host's | everything the host reaches (`docker run --network host`) |
//! | `none` | its own | nothing: `lo` only |
//!
//! How: the namespace is made before `runc run`, by a short-lived thread that
//! `unshare(CLONE_NEWNET)`s, brings `lo` up and opens `/proc/thread-self/ns/net`; that file
//! descriptor, held by [`Attached`], keeps the namespace alive and names it for runc and
//! slirp4netns as `/proc/<our pid>/fd/<fd>` (the runtime spec's namespace `path`). No file
//! is bind-mounted, so nothing is left behind when the process is killed: the kernel closes
//! the descriptor, and slirp4netns, which watches a pipe of ours (`--exit-fd`), exits. The
//! namespace itself lives as long as the container's processes. slirp4netns is started
//! first (`--configure` sets up `tap0` in the namespace, `--ready-fd` says when), then the
//! runtime. `none` is runc's own new namespace (runc brings `lo` up); `host` has none.
//!
//! [slirp4netns]: https://github.com/rootless-containers/slirp4netns

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use super::ContainerError;

/// The container's address on slirp4netns's network.
pub const GUEST_ADDRESS: &str = "10.0.2.100";
/// The gateway, which is also the host's loopback when that is allowed.
pub const HOST_ADDRESS: &str = "10.0.2.2";
/// slirp4netns's DNS forwarder.
pub const DNS_ADDRESS: &str = "10.0.2.3";
/// The interface slirp4netns makes in the namespace.
pub const TAP: &str = "tap0";
/// Podman's MTU for slirp4netns: large frames make user-mode networking much faster.
const MTU: u32 = 65520;
/// How long slirp4netns may take to set up `tap0`.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// How a run is networked (see the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// Its own namespace, user-mode networking through slirp4netns.
    Slirp4netns {
        /// The host's 127.0.0.1 answers at 10.0.2.2.
        allow_host_loopback: bool,
    },
    /// The host's network namespace.
    Host,
    /// Its own namespace with `lo` only.
    None,
}

impl Default for Network {
    fn default() -> Network {
        Network::Slirp4netns {
            allow_host_loopback: false,
        }
    }
}

impl FromStr for Network {
    type Err = ContainerError;

    /// Podman's spellings: `slirp4netns[:allow_host_loopback=true|false]`, `host`, `none`.
    fn from_str(s: &str) -> Result<Network, ContainerError> {
        let bad = || {
            ContainerError::BadOption(format!(
                "unknown network \"{s}\": use slirp4netns, \
                 slirp4netns:allow_host_loopback=true, host or none"
            ))
        };
        let (mode, options) = match s.split_once(':') {
            Some((m, o)) => (m, Some(o)),
            None => (s, None),
        };
        match (mode, options) {
            ("host", None) => Ok(Network::Host),
            ("none", None) => Ok(Network::None),
            ("slirp4netns", None) => Ok(Network::default()),
            ("slirp4netns", Some(options)) => {
                let mut allow_host_loopback = false;
                for option in options.split(',') {
                    allow_host_loopback = match option {
                        "allow_host_loopback=true" => true,
                        "allow_host_loopback=false" => false,
                        _ => return Err(bad()),
                    };
                }
                Ok(Network::Slirp4netns {
                    allow_host_loopback,
                })
            }
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Network::Slirp4netns {
                allow_host_loopback: false,
            } => "slirp4netns",
            Network::Slirp4netns {
                allow_host_loopback: true,
            } => "slirp4netns:allow_host_loopback=true",
            Network::Host => "host",
            Network::None => "none",
        })
    }
}

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

/// The container's `/etc/resolv.conf` on slirp4netns: its DNS forwarder, with the host's
/// search domains and options (the host's own name servers may be on its loopback, which
/// the container cannot reach).
pub(crate) fn resolv_conf(host: &str) -> String {
    let mut out = format!("nameserver {DNS_ADDRESS}\n");
    for line in host.lines() {
        let word = line.split_whitespace().next().unwrap_or("");
        if word == "search" || word == "domain" || word == "options" {
            out.push_str(line.trim());
            out.push('\n');
        }
    }
    out
}

/// The container's `/etc/hosts` in its own namespace: localhost, its own name, and the
/// host as `host.containers.internal` (Podman's name) when the host's loopback is allowed.
pub(crate) fn hosts(network: Network, hostname: &str) -> String {
    let mut out = String::from("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    match network {
        Network::Slirp4netns {
            allow_host_loopback,
        } => {
            out.push_str(&format!("{GUEST_ADDRESS}\t{hostname}\n"));
            if allow_host_loopback {
                out.push_str(&format!("{HOST_ADDRESS}\thost.containers.internal\n"));
            }
        }
        Network::None | Network::Host => out.push_str(&format!("127.0.1.1\t{hostname}\n")),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_parse_as_podman_spells_them() {
        let cases = [
            ("slirp4netns", Network::default()),
            (
                "slirp4netns:allow_host_loopback=true",
                Network::Slirp4netns {
                    allow_host_loopback: true,
                },
            ),
            ("slirp4netns:allow_host_loopback=false", Network::default()),
            ("host", Network::Host),
            ("none", Network::None),
        ];
        for (text, want) in cases {
            let got: Network = text.parse().unwrap();
            assert_eq!(got, want, "{text}");
            assert_eq!(got.to_string().parse::<Network>().unwrap(), want);
        }
        for bad in ["bridge", "host:x", "slirp4netns:mtu=1500", "", "none:"] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
        assert_eq!(
            Network::default(),
            Network::Slirp4netns {
                allow_host_loopback: false
            }
        );
    }

    #[test]
    fn resolv_conf_points_at_slirps_dns() {
        let host = "# generated\nnameserver 127.0.0.53\nsearch corp.example\noptions edns0\n";
        assert_eq!(
            resolv_conf(host),
            "nameserver 10.0.2.3\nsearch corp.example\noptions edns0\n"
        );
    }

    #[test]
    fn hosts_name_the_container() {
        let h = hosts(Network::default(), "web");
        assert!(h.contains("10.0.2.100\tweb\n"), "{h}");
        assert!(!h.contains("host.containers.internal"));
        let h = hosts(
            Network::Slirp4netns {
                allow_host_loopback: true,
            },
            "web",
        );
        assert!(h.contains("10.0.2.2\thost.containers.internal\n"), "{h}");
        assert!(hosts(Network::None, "web").contains("127.0.1.1\tweb\n"));
    }
}
