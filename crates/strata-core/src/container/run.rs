//! Running a command in a container through an installed OCI runtime (`runc`), from an
//! [OCI runtime bundle] generated for the run: `config.json` (the [runtime spec]'s
//! `Spec`) with the container's merged root as `root.path`.
//!
//! The process gets the image's config: env, working directory, user (names resolved in
//! the container's `/etc/passwd` and `/etc/group`), entrypoint + cmd (or entrypoint + the
//! command given). stdin/stdout/stderr are the caller's (the runtime passes them through);
//! with `tty` the runtime makes a pseudo-terminal.
//!
//! Confinement is Docker's default or tighter (see DESIGN.md, "The trust boundary"):
//!
//! - **network**: a namespace of its own with user-mode networking through slirp4netns, the
//!   host's loopback closed ([`Network`], in [`super::network`]); `host` and `none`
//!   on request. `/etc/resolv.conf` names slirp4netns's DNS, `/etc/hosts` the container
//!   (the host's own files with `host`), where the image has those files;
//! - **seccomp**: [the default profile](super::seccomp) unless [`Seccomp::Unconfined`];
//! - **no new privileges** (`process.noNewPrivileges`): setuid files and file capabilities
//!   grant nothing;
//! - **capabilities**: Docker's default set;
//! - **masked and read-only paths**: Docker's, so `/proc/kcore`, `/proc/keys`, `/sys/firmware`
//!   … show nothing and `/proc/sys`, `/proc/sysrq-trigger` … cannot be written.
//!
//! [OCI runtime bundle]: https://github.com/opencontainers/runtime-spec/blob/main/bundle.md
//! [runtime spec]: https://github.com/opencontainers/runtime-spec/blob/main/config.md

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use oci_spec::image::ImageConfiguration;
use oci_spec::runtime::{
    Capability, LinuxCapabilitiesBuilder, LinuxNamespaceBuilder, LinuxNamespaceType, MountBuilder,
    ProcessBuilder, Root, Spec, UserBuilder,
};

use super::files;
use super::network::{self, Attached, Network};
use super::seccomp::{self, Seccomp};
use super::ContainerError;

/// Environment variable naming the runtime binary, for tests and unusual installs.
pub const RUNTIME_ENV: &str = "STRATA_RUNC";

const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The command; empty for the image's entrypoint + cmd.
    pub command: Vec<String>,
    /// Extra `KEY=VALUE` variables, over the image's.
    pub env: Vec<String>,
    /// The working directory [default: the image's, else `/`].
    pub workdir: Option<String>,
    /// `user[:group]` by name or number [default: the image's, else root].
    pub user: Option<String>,
    /// A pseudo-terminal (interactive shells).
    pub tty: bool,
    /// The network [default: its own namespace, slirp4netns, the host's loopback closed].
    pub network: Network,
    /// The seccomp filter [default: the default profile].
    pub seccomp: Seccomp,
}

/// Paths the process cannot see (an empty file or folder over them): Docker's list (with
/// `/proc/interrupts`, which recent Docker masks too: its counters are a side channel). Host
/// information a container has no use for, and ways to read kernel memory or keys.
pub const MASKED_PATHS: [&str; 12] = [
    "/proc/asound",
    "/proc/acpi",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];

/// Paths the process can read but not write: Docker's list. Writing there would change
/// the host's kernel (sysctls, interrupts, the magic SysRq key).
pub const READONLY_PATHS: [&str; 5] = [
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// The runtime binary: `$STRATA_RUNC`, else `runc` on `$PATH`, else the usual places.
pub fn find_runtime() -> Result<PathBuf, ContainerError> {
    if !cfg!(target_os = "linux") {
        return Err(ContainerError::Unsupported(format!(
            "this is {}, and runc needs a Linux kernel",
            std::env::consts::OS
        )));
    }
    if let Some(p) = std::env::var_os(RUNTIME_ENV).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(ContainerError::NoRuntime)
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(
            [
                "/usr/sbin",
                "/usr/bin",
                "/usr/local/sbin",
                "/usr/local/bin",
                "/sbin",
                "/bin",
            ]
            .map(PathBuf::from),
        )
        .map(|d| d.join("runc"))
        .find(|p| p.is_file())
        .ok_or(ContainerError::NoRuntime)
}

/// The runtime spec for one run. `etc` are files bound over the image's own (destination,
/// host source), each only where the image has that file. A network namespace of its own
/// has no path yet: [`PreparedRun::new`] sets it once slirp4netns runs.
pub(crate) fn spec(
    rootfs: &Path,
    hostname: &str,
    image: &ImageConfiguration,
    opts: &RunOptions,
    etc: &[(&str, PathBuf)],
) -> Result<Spec, ContainerError> {
    let mut spec = Spec::default();
    spec.set_process(Some(process(rootfs, hostname, image, opts)?));
    let mut root = Root::default();
    // Absolute: runc reads a relative root against the bundle (a relative --home).
    let absolute =
        std::path::absolute(rootfs).map_err(|e| ContainerError::io("find", rootfs, e))?;
    root.set_path(absolute);
    root.set_readonly(Some(false));
    spec.set_root(Some(root));
    spec.set_hostname(Some(hostname.to_string()));
    let mut mounts = spec.mounts().clone().unwrap_or_default();
    for (file, source) in etc {
        // Only over a file the image has (looked up inside the root, as runc will): creating
        // one would show up in the diff.
        if files::kind_of(rootfs, file) == Some(crate::fs::Kind::File) && source.is_file() {
            mounts.push(
                MountBuilder::default()
                    .destination(file)
                    .typ("bind")
                    .source(source)
                    .options(vec!["rbind".to_string(), "ro".to_string()])
                    .build()
                    .map_err(spec_err)?,
            );
        }
    }
    spec.set_mounts(Some(mounts));
    confine(&mut spec, opts)?;
    Ok(spec)
}

/// The process: the image's entrypoint + cmd (or the command given), env, working
/// directory, user (names looked up in the container's own files), Docker's capabilities,
/// no new privileges.
fn process(
    rootfs: &Path,
    hostname: &str,
    image: &ImageConfiguration,
    opts: &RunOptions,
) -> Result<oci_spec::runtime::Process, ContainerError> {
    let cfg = image.config().clone().unwrap_or_default();
    let mut args: Vec<String> = cfg.entrypoint().clone().unwrap_or_default();
    if opts.command.is_empty() {
        args.extend(cfg.cmd().clone().unwrap_or_default());
    } else {
        args.extend(opts.command.iter().cloned());
    }
    if args.is_empty() {
        return Err(ContainerError::Runtime(
            "no command given, and the image has no entrypoint or cmd".into(),
        ));
    }
    let mut env: Vec<String> = cfg.env().clone().unwrap_or_default();
    if !env.iter().any(|e| e.starts_with("PATH=")) {
        env.insert(0, DEFAULT_PATH.into());
    }
    env.push(format!("HOSTNAME={hostname}"));
    if opts.tty && !env.iter().any(|e| e.starts_with("TERM=")) {
        env.push("TERM=xterm".into());
    }
    for e in &opts.env {
        let key = e.split_once('=').map_or(e.as_str(), |(k, _)| k);
        env.retain(|x| x.split_once('=').map_or(x.as_str(), |(k, _)| k) != key);
        env.push(e.clone());
    }
    let cwd = opts
        .workdir
        .clone()
        .or_else(|| cfg.working_dir().clone())
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "/".into());
    let user_spec = opts
        .user
        .clone()
        .or_else(|| cfg.user().clone())
        .unwrap_or_default();
    let (uid, gid) = resolve_user(rootfs, &user_spec)?;

    let caps: HashSet<Capability> = [
        Capability::Chown,
        Capability::DacOverride,
        Capability::Fsetid,
        Capability::Fowner,
        Capability::Mknod,
        Capability::NetRaw,
        Capability::Setgid,
        Capability::Setuid,
        Capability::Setfcap,
        Capability::Setpcap,
        Capability::NetBindService,
        Capability::SysChroot,
        Capability::Kill,
        Capability::AuditWrite,
    ]
    .into_iter()
    .collect();
    // Inheritable and ambient set empty, as Docker's: the builder's default fills both
    // with AUDIT_WRITE, KILL and NET_BIND_SERVICE, and runc raises ambient capabilities,
    // so a process running as a non-root user kept those three across every exec.
    let capabilities = LinuxCapabilitiesBuilder::default()
        .bounding(caps.clone())
        .effective(caps.clone())
        .permitted(caps)
        .inheritable(HashSet::new())
        .ambient(HashSet::new())
        .build()
        .map_err(spec_err)?;
    let user = UserBuilder::default()
        .uid(uid)
        .gid(gid)
        .build()
        .map_err(spec_err)?;
    ProcessBuilder::default()
        .terminal(opts.tty)
        .args(args)
        .env(env)
        .cwd(cwd)
        .user(user)
        .capabilities(capabilities)
        .no_new_privileges(true)
        .build()
        .map_err(spec_err)
}

/// The namespaces (a network one of its own unless `host`), Docker's masked and read-only
/// paths, and the seccomp profile.
fn confine(spec: &mut Spec, opts: &RunOptions) -> Result<(), ContainerError> {
    let profile = match opts.seccomp {
        Seccomp::Default => Some(seccomp::default_profile()?),
        Seccomp::Unconfined => None,
    };
    if let Some(linux) = spec.linux_mut() {
        if let Some(ns) = linux.namespaces_mut() {
            ns.retain(|n| n.typ() != LinuxNamespaceType::Network);
            if opts.network != Network::Host {
                ns.push(
                    LinuxNamespaceBuilder::default()
                        .typ(LinuxNamespaceType::Network)
                        .build()
                        .map_err(spec_err)?,
                );
            }
        }
        linux.set_masked_paths(Some(MASKED_PATHS.map(String::from).to_vec()));
        linux.set_readonly_paths(Some(READONLY_PATHS.map(String::from).to_vec()));
        linux.set_seccomp(profile);
    }
    Ok(())
}

/// Points the spec's network namespace at `path` (one we made).
fn join_network(spec: &mut Spec, path: &Path) {
    if let Some(ns) = spec
        .linux_mut()
        .as_mut()
        .and_then(|l| l.namespaces_mut().as_mut())
    {
        for n in ns.iter_mut() {
            if n.typ() == LinuxNamespaceType::Network {
                n.set_path(Some(path.to_path_buf()));
            }
        }
    }
}

/// The files bound over the image's `/etc/resolv.conf` and `/etc/hosts`: the host's with
/// the host's network; made in `dir` otherwise (slirp4netns's DNS; no name server without
/// a network, so the image's own resolv.conf stays).
fn etc_files(
    network: Network,
    hostname: &str,
    dir: &Path,
) -> Result<Vec<(&'static str, PathBuf)>, ContainerError> {
    const RESOLV: &str = "/etc/resolv.conf";
    const HOSTS: &str = "/etc/hosts";
    if network == Network::Host {
        return Ok(vec![(RESOLV, RESOLV.into()), (HOSTS, HOSTS.into())]);
    }
    let write = |name: &str, text: String| -> Result<PathBuf, ContainerError> {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| ContainerError::io("write", &path, e))?;
        Ok(path)
    };
    let mut out = vec![(HOSTS, write("hosts", network::hosts(network, hostname))?)];
    if let Network::Slirp4netns { .. } = network {
        let host = std::fs::read_to_string(RESOLV).unwrap_or_default();
        out.push((RESOLV, write("resolv.conf", network::resolv_conf(&host))?));
    }
    Ok(out)
}

fn spec_err(e: impl std::fmt::Display) -> ContainerError {
    ContainerError::Runtime(format!("cannot build the runtime spec: {e}"))
}

/// `user[:group]` → numbers, names looked up in the container's own files.
fn resolve_user(rootfs: &Path, spec: &str) -> Result<(u32, u32), ContainerError> {
    if spec.is_empty() {
        return Ok((0, 0));
    }
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let passwd = read_db(rootfs, "/etc/passwd");
    // passwd: name:x:uid:gid:...
    let by_name = |name: &str| {
        rows(&passwd).find_map(|f| {
            (f.first() == Some(&name))
                .then(|| {
                    Some((
                        f.get(2)?.parse::<u32>().ok()?,
                        f.get(3)?.parse::<u32>().ok()?,
                    ))
                })
                .flatten()
        })
    };
    let (uid, primary) = match user.parse::<u32>() {
        Ok(uid) => {
            let gid = rows(&passwd).find_map(|f| {
                (f.get(2).and_then(|u| u.parse::<u32>().ok()) == Some(uid))
                    .then(|| f.get(3)?.parse::<u32>().ok())
                    .flatten()
            });
            (uid, gid.unwrap_or(0))
        }
        Err(_) => by_name(user).ok_or_else(|| ContainerError::UnknownUser(user.to_string()))?,
    };
    let gid = match group {
        None => primary,
        Some(g) => match g.parse::<u32>() {
            Ok(gid) => gid,
            Err(_) => rows(&read_db(rootfs, "/etc/group"))
                .find_map(|f| {
                    (f.first() == Some(&g))
                        .then(|| f.get(2)?.parse::<u32>().ok())
                        .flatten()
                })
                .ok_or_else(|| ContainerError::UnknownUser(g.to_string()))?,
        },
    };
    Ok((uid, gid))
}

/// A colon-separated database file of the container, at most 4 MiB of it (it is the
/// image's content); empty when it is not a regular file inside the root.
fn read_db(rootfs: &Path, path: &str) -> String {
    // Read through the rooted filesystem: only a regular file inside the root, opened
    // without blocking (a FIFO or a device the image put there is never opened).
    let Ok(root) = files::open_root(rootfs) else {
        return String::new();
    };
    let Ok(f) = root.open_regular(Path::new(path), crate::fs::Follow::Yes) else {
        return String::new();
    };
    let mut text = String::new();
    let _ = std::io::Read::read_to_string(&mut std::io::Read::take(f, 4 << 20), &mut text);
    text
}

/// The rows of such a file, split as they are read: a file of four million empty lines
/// is not turned into four million vectors first (some 135 times its size in memory).
fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(':').collect())
}

/// A bundle on disk, the network the run needs, and the runtime command that runs it; the
/// runtime's state, slirp4netns and the bundle go on drop.
#[derive(Debug)]
pub struct PreparedRun {
    runtime: PathBuf,
    id: String,
    // Dropped in this order, after `drop` has deleted the container: slirp4netns, then the
    // bundle (its log and resolv.conf are in it). Held only for its drop.
    #[allow(dead_code)]
    network: Attached,
    bundle: tempfile::TempDir,
}

impl PreparedRun {
    /// Writes the bundle for running in `rootfs` in a new folder of `parent`, and starts the
    /// run's network.
    pub(crate) fn new(
        runtime: PathBuf,
        id: String,
        parent: &Path,
        rootfs: &Path,
        hostname: &str,
        image: &ImageConfiguration,
        opts: &RunOptions,
    ) -> Result<PreparedRun, ContainerError> {
        let bundle = tempfile::Builder::new()
            .prefix("bundle-")
            .tempdir_in(parent)
            .map_err(|e| ContainerError::io("create a bundle folder in", parent, e))?;
        let etc = etc_files(opts.network, hostname, bundle.path())?;
        // The spec first: a bad command or user fails before anything is started.
        let mut spec = spec(rootfs, hostname, image, opts, &etc)?;
        let network = Attached::start(opts.network, bundle.path())?;
        if let Some(path) = network.namespace_path() {
            join_network(&mut spec, &path);
        }
        let config = bundle.path().join("config.json");
        let bytes = serde_json::to_vec_pretty(&spec).map_err(spec_err)?;
        std::fs::write(&config, bytes).map_err(|e| ContainerError::io("write", &config, e))?;
        Ok(PreparedRun {
            runtime,
            id,
            network,
            bundle,
        })
    }

    /// `runc run --bundle DIR ID`: spawn it with the stdio you want (inherited for a
    /// terminal, pipes for the app); its exit status is the command's.
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.runtime);
        c.arg("run")
            .arg("--bundle")
            .arg(self.bundle.path())
            .arg(&self.id);
        c
    }

    /// The runtime's name for this run.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs with the caller's stdio and returns the exit code (128 + signal when killed).
    pub fn run(&self) -> Result<i32, ContainerError> {
        let status = self.command().status().map_err(|e| {
            ContainerError::Runtime(format!("cannot start {}: {e}", self.runtime.display()))
        })?;
        Ok(exit_code(status))
    }
}

/// The exit code a shell would report.
#[cfg(unix)]
pub fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

/// The exit code a shell would report (no signals outside Unix).
#[cfg(not(unix))]
pub fn exit_code(status: std::process::ExitStatus) -> i32 {
    status.code().unwrap_or(1)
}

impl Drop for PreparedRun {
    fn drop(&mut self) {
        // A run that ended normally is gone already; one that was interrupted is not.
        let _ = Command::new(&self.runtime)
            .args(["delete", "--force", &self.id])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_resolve_in_the_container() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0::/root:/bin/sh\nwww:x:33:34::/var/www:/bin/false\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("etc/group"), "root:x:0:\nstaff:x:50:\n").unwrap();
        let cases = [
            ("", (0, 0)),
            ("www", (33, 34)),
            ("www:staff", (33, 50)),
            ("33", (33, 34)),
            ("1000:1000", (1000, 1000)),
        ];
        for (input, want) in cases {
            assert_eq!(resolve_user(dir.path(), input).unwrap(), want, "{input}");
        }
        assert!(resolve_user(dir.path(), "nobody").is_err());

        // A passwd of four million empty lines and then the user: found, without turning
        // every line into a row first.
        let mut huge = "\n".repeat(4 << 20);
        huge.truncate((4 << 20) - 40);
        huge.push_str("app:x:1000:1000::/:/bin/sh\n");
        std::fs::write(dir.path().join("etc/passwd"), huge).unwrap();
        assert_eq!(resolve_user(dir.path(), "app").unwrap(), (1000, 1000));
    }

    /// A process as a non-root user keeps no capability across exec: no inheritable or
    /// ambient set (oci-spec's builder default put AUDIT_WRITE, KILL, NET_BIND_SERVICE in
    /// both, and runc raised them for uid 1000), as under Docker.
    #[test]
    fn a_process_has_no_inheritable_or_ambient_capabilities() {
        let dir = tempfile::tempdir().unwrap();
        let opts = RunOptions {
            user: Some("1000".into()),
            command: vec!["/bin/sh".into()],
            ..RunOptions::default()
        };
        let image = ImageConfiguration::default();
        let process = process(dir.path(), "c", &image, &opts).unwrap();
        let caps = process.capabilities().clone().unwrap();
        assert!(
            caps.ambient().as_ref().is_none_or(|c| c.is_empty()),
            "{caps:?}"
        );
        assert!(
            caps.inheritable().as_ref().is_none_or(|c| c.is_empty()),
            "{caps:?}"
        );
        assert!(caps
            .bounding()
            .as_ref()
            .is_some_and(|c| c.contains(&Capability::Chown)));
    }
}
