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
//! descriptor, held by `Attached`, keeps the namespace alive and names it for runc and
//! slirp4netns as `/proc/<our pid>/fd/<fd>` (the runtime spec's namespace `path`). No file
//! is bind-mounted, so nothing is left behind when the process is killed: the kernel closes
//! the descriptor, and slirp4netns, which watches a pipe of ours (`--exit-fd`), exits. The
//! namespace itself lives as long as the container's processes. slirp4netns is started
//! first (`--configure` sets up `tap0` in the namespace, `--ready-fd` says when), then the
//! runtime. `none` is runc's own new namespace (runc brings `lo` up); `host` has none.
//!
//! [slirp4netns]: https://github.com/rootless-containers/slirp4netns

use std::fmt;
#[cfg(not(target_os = "linux"))]
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::ContainerError;

/// The container's address on slirp4netns's network.
pub const GUEST_ADDRESS: &str = "10.0.2.100";
/// The gateway, which is also the host's loopback when that is allowed.
pub const HOST_ADDRESS: &str = "10.0.2.2";
/// slirp4netns's DNS forwarder.
pub const DNS_ADDRESS: &str = "10.0.2.3";
/// The interface slirp4netns makes in the namespace.
pub const TAP: &str = "tap0";

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

#[cfg(target_os = "linux")]
mod slirp;
#[cfg(target_os = "linux")]
pub(crate) use slirp::Attached;

/// What a running container's network holds: nothing outside Linux, where no container runs.
#[cfg(not(target_os = "linux"))]
#[derive(Debug, Default)]
pub(crate) struct Attached;

#[cfg(not(target_os = "linux"))]
impl Attached {
    /// Fails: network namespaces and slirp4netns are Linux's.
    pub(crate) fn start(_network: Network, _dir: &Path) -> Result<Attached, ContainerError> {
        Err(ContainerError::Unsupported(crate::fs::unsupported_reason()))
    }

    pub(crate) fn namespace_path(&self) -> Option<PathBuf> {
        None
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
