//! Containers run with Docker's defaults or tighter (DESIGN.md, "The trust boundary"), with
//! a real runc and slirp4netns on the busybox image built here:
//!
//! - network: a namespace of its own (`lo`, `tap0`) through slirp4netns; the host's
//!   127.0.0.1 answers at 10.0.2.2 only with `allow_host_loopback=true`; `none` is `lo`
//!   alone; `host` is the host's; slirp4netns goes when the run ends or is killed;
//! - seccomp: new namespaces are refused (`unshare`), unless `seccomp=unconfined`; every
//!   name of the profile is one libseccomp knows;
//! - no new privileges; Docker's masked and read-only paths;
//! - the host side: the overlay is `nosuid,nodev`, `layers/` and `containers/` are 0700.
//!
//! Network traffic goes to 127.0.0.1 (through 10.0.2.2) only.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::container::*;
use support::*;

/// A store with the busybox image plus `/etc/resolv.conf` and `/etc/hosts` (a run binds its
/// own over the image's files, never creates them), and one overlay container, `box`.
fn with_container() -> ContainerStore {
    need_runc();
    need("slirp4netns");
    let (store, base) = ContainerStore::with_busybox();
    let home = &store.home;
    ok(
        home,
        &["create", &base, "--name", "prep", "--mode", "overlay"],
    );
    let empty = store.scratch().join("empty");
    std::fs::write(&empty, "").unwrap();
    for file in ["/etc/resolv.conf", "/etc/hosts"] {
        ok(home, &["cp", p(&empty), &format!("prep:{file}")]);
    }
    ok(home, &["commit", "prep", "busybox:net"]);
    ok(home, &["rm", "prep"]);
    ok(
        home,
        &[
            "create",
            "busybox:net",
            "--name",
            "box",
            "--mode",
            "overlay",
        ],
    );
    store
}

/// `strata run box [options] -- sh -c SCRIPT`, which must succeed; its stdout.
fn sh(home: &Path, options: &[&str], script: &str) -> String {
    let mut args = vec!["run", "box"];
    args.extend(options);
    args.extend(["--", "sh", "-c", script]);
    ok(home, &args)
}

/// The interface names `ip -o link` printed.
fn interfaces(listing: &str) -> Vec<String> {
    listing
        .lines()
        .filter_map(|l| l.split(':').nth(1))
        .map(|n| n.trim().split('@').next().unwrap_or("").to_string())
        .collect()
}

/// The host's interfaces, as the kernel lists them.
fn host_interfaces() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir("/sys/class/net")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// A tiny HTTP server on the host's 127.0.0.1 that answers every request with `body`;
/// returns its port. It lives as long as the test process.
fn http_server(body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn the_default_network_is_a_namespace_of_its_own_through_slirp4netns() {
    let store = with_container();
    let out = sh(
        &store.home,
        &[],
        "ip -o link; echo ---; ip -o -4 addr show tap0; echo ---; cat /etc/resolv.conf; \
         echo ---; cat /etc/hosts",
    );
    let parts: Vec<&str> = out.split("---\n").collect();
    let mut seen = interfaces(parts[0]);
    seen.sort();
    assert_eq!(seen, ["lo", "tap0"], "{out}");
    for host in host_interfaces().iter().filter(|n| *n != "lo") {
        assert!(!seen.contains(host), "the host's {host} is visible: {out}");
    }
    assert!(parts[1].contains("10.0.2.100/24"), "{out}");
    assert_eq!(
        parts[2],
        "nameserver 10.0.2.3\n".to_string() + &search_lines()
    );
    assert!(parts[3].contains("10.0.2.100\tbox\n"), "{out}");
    // The app's spelling is the CLI's.
    let same = sh(&store.home, &["--network", "slirp4netns"], "ip -o link");
    assert_eq!(interfaces(&same).len(), 2, "{same}");
}

/// The host's search and options lines, which the container's resolv.conf keeps.
fn search_lines() -> String {
    let host = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    host.lines()
        .filter(|l| {
            matches!(
                l.split_whitespace().next(),
                Some("search" | "domain" | "options")
            )
        })
        .map(|l| format!("{}\n", l.trim()))
        .collect()
}

#[test]
fn the_hosts_loopback_is_reached_only_when_allowed() {
    let store = with_container();
    let port = http_server("hello from the host's loopback");
    let url = format!("http://10.0.2.2:{port}/");
    // busybox's `wget -T` crashes (1.35); `timeout` bounds the attempt instead.
    let script = format!("timeout 10 wget -q -O - {url}; echo \" exit=$?\"");
    let allowed = sh(
        &store.home,
        &["--network", "slirp4netns:allow_host_loopback=true"],
        &script,
    );
    assert_eq!(allowed, "hello from the host's loopback exit=0\n");
    let closed = sh(&store.home, &[], &script);
    assert!(
        closed.ends_with(" exit=1\n") && !closed.contains("hello"),
        "the default network reached the host's 127.0.0.1: {closed}"
    );
}

#[test]
fn network_none_has_only_loopback() {
    let store = with_container();
    let out = sh(&store.home, &["--network", "none"], "ip -o link");
    assert_eq!(interfaces(&out), ["lo"], "{out}");
    assert!(out.contains("UP"), "lo is up: {out}");
}

#[test]
fn network_host_sees_the_hosts_interfaces() {
    let store = with_container();
    let out = sh(&store.home, &["--network", "host"], "ip -o link");
    let mut seen = interfaces(&out);
    seen.sort();
    assert_eq!(seen, host_interfaces(), "{out}");
}

#[test]
fn unknown_options_are_refused() {
    let store = with_container();
    let err = error_line(
        &store.home,
        &["run", "box", "--network", "bridge", "--", "true"],
    );
    assert!(err.contains("unknown network \"bridge\""), "{err}");
    let err = error_line(
        &store.home,
        &["run", "box", "--security-opt", "apparmor=x", "--", "true"],
    );
    assert!(err.contains("apparmor=x"), "{err}");
}

#[test]
fn seccomp_refuses_new_namespaces_unless_unconfined() {
    let store = with_container();
    let script = "grep '^Seccomp:' /proc/self/status; unshare -U true 2>&1; echo exit=$?";
    let confined = sh(&store.home, &[], script);
    assert!(
        confined.contains("Seccomp:\t2"),
        "a filter is on: {confined}"
    );
    assert!(
        confined.contains("Operation not permitted") && confined.contains("exit=1"),
        "{confined}"
    );
    let free = sh(
        &store.home,
        &["--security-opt", "seccomp=unconfined"],
        script,
    );
    // Past seccomp; whether the kernel then allows a user namespace is its own business.
    assert!(free.contains("Seccomp:\t0"), "no filter: {free}");
    // And the container works as ever with the filter on: files, pipes, processes.
    let work = sh(
        &store.home,
        &[],
        "echo hi > /tmp/f && cat /tmp/f | tr a-z A-Z && (sleep 0; echo child) && linux32 uname -m",
    );
    // `linux32` is personality(PER_LINUX32), one of the values the profile lets through.
    assert_eq!(work, "HI\nchild\ni686\n");
}

#[test]
fn no_new_privileges_and_dockers_masked_and_read_only_paths() {
    let store = with_container();
    let out = sh(&store.home, &[], "grep NoNewPrivs /proc/self/status");
    assert_eq!(out, "NoNewPrivs:\t1\n");
    // A name of 100 characters (128 are allowed) runs, with its first 63 as the hostname:
    // the kernel refuses a longer hostname, and runc failed to start such a container.
    let long = format!("n{}", "x".repeat(99));
    ok(
        &store.home,
        &[
            "create",
            "busybox:net",
            "--name",
            &long,
            "--mode",
            "overlay",
        ],
    );
    let out = ok(&store.home, &["run", &long, "--", "hostname"]);
    assert_eq!(out.trim(), &long[..63]);
    ok(&store.home, &["rm", &long]);

    // A non-root user has no capability at all, as under Docker (it kept KILL,
    // NET_BIND_SERVICE and AUDIT_WRITE through the ambient set).
    let out = sh(
        &store.home,
        &["--user", "1000"],
        "grep -E '^Cap(Eff|Amb|Inh)' /proc/self/status",
    );
    assert_eq!(
        out,
        "CapInh:\t0000000000000000\nCapEff:\t0000000000000000\nCapAmb:\t0000000000000000\n"
    );

    // Masked: an empty device (files) or an empty folder, where the host has them.
    let mut checked = 0;
    for file in [
        "/proc/kcore",
        "/proc/keys",
        "/proc/timer_list",
        "/proc/interrupts",
    ] {
        if Path::new(file).exists() {
            let out = sh(
                &store.home,
                &[],
                &format!("test -c {file} && wc -c < {file}"),
            );
            assert_eq!(out.trim(), "0", "{file} is masked");
            checked += 1;
        }
    }
    if Path::new("/sys/firmware").exists() {
        let out = sh(&store.home, &[], "ls -A /sys/firmware | wc -l");
        assert_eq!(out.trim(), "0", "/sys/firmware is masked");
        checked += 1;
    }
    assert!(checked > 0, "no masked path exists on this host to check");

    // Read-only: /proc/sys is its own read-only mount, and a write fails.
    let out = sh(
        &store.home,
        &[],
        "grep ' /proc/sys ' /proc/self/mountinfo; { echo 1 > /proc/sys/vm/drop_caches; } 2>&1; \
         echo exit=$?",
    );
    let line = out.lines().next().unwrap_or("");
    let options = line.split(' ').nth(5).unwrap_or("");
    assert!(
        options.split(',').any(|o| o == "ro"),
        "/proc/sys is read-only: {out}"
    );
    assert!(out.contains("Read-only file system"), "{out}");
    assert!(out.contains("exit=1"), "{out}");
}

/// The mount options (field 6) of the mount at `target` in a mountinfo text.
fn mount_options<'a>(mountinfo: &'a str, target: &str) -> Option<&'a str> {
    mountinfo
        .lines()
        .map(|l| l.split(' ').collect::<Vec<_>>())
        .find(|f| f.get(4) == Some(&target))
        .and_then(|f| f.get(5).copied())
}

#[test]
fn the_overlay_is_nosuid_nodev_and_the_store_is_root_only() {
    need_runc();
    need("slirp4netns");
    let (store, base) = ContainerStore::with_busybox();
    let home = &store.home;
    let created = json(
        home,
        &[
            "create", &base, "--name", "box", "--mode", "overlay", "--json",
        ],
    );
    let rootfs = store.rootfs(&created);
    let host = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let options = mount_options(&host, p(&rootfs)).expect("the overlay is mounted");
    for flag in ["nosuid", "nodev"] {
        assert!(options.split(',').any(|o| o == flag), "{flag}: {options}");
    }
    let mode = |dir: &str| {
        std::fs::metadata(home.join(dir))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(mode("layers"), 0o700);
    assert_eq!(mode("containers"), 0o700);

    // Inside, the root keeps both flags, and the container works: runc's own /dev.
    let inside = sh(
        home,
        &[],
        "grep ' / / ' /proc/self/mountinfo; echo x > /dev/null && head -c 4 /dev/zero | wc -c",
    );
    let root = inside.lines().next().unwrap_or("");
    let root_options = root.split(' ').nth(5).unwrap_or("");
    assert!(
        root_options.contains("nosuid") && root_options.contains("nodev"),
        "{inside}"
    );
    assert!(inside.ends_with("4\n"), "{inside}");

    // Folders an older version left open are tightened when the containers are opened.
    for dir in ["layers", "containers"] {
        std::fs::set_permissions(home.join(dir), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    ok(home, &["ps"]);
    assert_eq!(mode("layers"), 0o700);
    assert_eq!(mode("containers"), 0o700);

    // An overlay mounted without the flags (by an older version) gets them on next use.
    let status = std::process::Command::new("mount")
        .args(["-o", "remount,bind,suid,dev"])
        .arg(&rootfs)
        .status()
        .unwrap();
    assert!(status.success());
    let before = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mount_options(&before, p(&rootfs))
        .unwrap()
        .contains("nosuid"));
    let copy = store.scratch().join("passwd");
    ok(home, &["cp", "box:/etc/passwd", p(&copy)]);
    let after = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let options = mount_options(&after, p(&rootfs)).unwrap();
    assert!(
        options.contains("nosuid") && options.contains("nodev"),
        "{options}"
    );
}

/// The slirp4netns processes serving a run of the `strata` process `pid` (their
/// namespace is `/proc/<pid>/fd/N`).
fn slirps_of(pid: u32) -> Vec<u32> {
    let needle = format!("/proc/{pid}/fd/");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            let cmdline = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            let text = String::from_utf8_lossy(&cmdline);
            text.contains("slirp4netns") && text.contains(&needle)
        })
        .collect()
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < until, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn slirp4netns_ends_with_the_run_even_when_strata_is_killed() {
    let store = with_container();
    let home = &store.home;

    // A run that ends: nothing of it is left.
    let child = strata_cmd(home, &["run", "box", "--", "true"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    assert_ok(&child.wait_with_output().unwrap());
    assert!(slirps_of(pid).is_empty(), "slirp4netns outlived the run");

    // A run whose strata is killed: slirp4netns sees its exit pipe close and goes.
    let mut child = strata_cmd(home, &["run", "box", "--", "sleep", "60"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    wait_for("slirp4netns to start", Duration::from_secs(20), || {
        !slirps_of(pid).is_empty()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    wait_for("slirp4netns to exit", Duration::from_secs(10), || {
        slirps_of(pid).is_empty()
    });
    // The container itself outlives a killed strata (runc's, not ours): end it.
    kill_runc_containers(&json(home, &["ps", "--json"]));
}

/// `runc delete --force` for every run of the listed containers.
fn kill_runc_containers(containers: &serde_json::Value) {
    let runc = need("runc");
    let list = std::process::Command::new(&runc)
        .args(["list", "-q"])
        .output()
        .unwrap();
    let ids = String::from_utf8_lossy(&list.stdout).into_owned();
    for c in containers.as_array().into_iter().flatten() {
        let short = &c["id"].as_str().unwrap_or("")[..12];
        for id in ids
            .lines()
            .filter(|i| i.starts_with(&format!("strata-{short}")))
        {
            let _ = std::process::Command::new(&runc)
                .args(["delete", "--force", id])
                .status();
        }
    }
}

/// Every name in the seccomp profile is one libseccomp (runc's library, installed with it)
/// resolves for at least one of the profile's architectures: runc skips, silently, a name
/// it cannot resolve.
#[test]
fn every_seccomp_name_is_known_to_libseccomp() {
    use strata_core::container::seccomp;
    need("runc");
    let lib = c"libseccomp.so.2";
    // SAFETY: dlopen/dlsym with valid C strings; the symbol has the C signature below.
    let resolve: extern "C" fn(u32, *const libc::c_char) -> libc::c_int = unsafe {
        let handle = libc::dlopen(lib.as_ptr(), libc::RTLD_NOW);
        assert!(!handle.is_null(), "libseccomp.so.2 is not installed");
        let sym = libc::dlsym(handle, c"seccomp_syscall_resolve_name_arch".as_ptr());
        assert!(!sym.is_null());
        std::mem::transmute::<
            *mut libc::c_void,
            extern "C" fn(u32, *const libc::c_char) -> libc::c_int,
        >(sym)
    };
    let profile = seccomp::profile(false).unwrap();
    let arches: Vec<u32> = seccomp::ARCHITECTURES.iter().map(|a| *a as u32).collect();
    let mut unknown = Vec::new();
    for name in seccomp::names(&profile) {
        let c = std::ffi::CString::new(name.clone()).unwrap();
        if !arches.iter().any(|&a| resolve(a, c.as_ptr()) >= 0) {
            unknown.push(name);
        }
    }
    assert!(unknown.is_empty(), "libseccomp does not know {unknown:?}");
}
