//! Races against a running container (the `docker cp` CVE-2018-15664 pattern): a process
//! inside a busybox container swaps a folder for a symlink to a host folder, and a file
//! for a symlink to a host file, in a tight loop, while the engine performs every Files
//! operation, `cp` both ways and commit hundreds of times. The host folder holds
//! sentinels; nothing about them may change, no operation may read them, and no
//! committed layer may hold them.
//!
//! The engine works on handles only (crate `strata_core::fs`): it does not freeze the
//! container, so these races run against a container that keeps running.
//!
//! Also: a device node and a FIFO that a container process made where the editor reads
//! or saves give a clear error at once, write nothing and never block.

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Child;

use std::time::{Duration, Instant};

use strata_core::container::{CommitOptions, Container, ContainerError, Containers};
use strata_core::store::Store;
use support::container::*;
use support::*;

/// What is in the host folder at the start: every fact of it must stay.
const SECRET: &str = "HOST SECRET: never inside a container";
const ONLY_ON_HOST: &str = "only-on-the-host";

/// Operations per kind: enough to land on every phase of the swap loop many times.
const ROUNDS: usize = 300;
const COMMITS: usize = 200;
const CHEAP: usize = 20;

#[derive(Debug, PartialEq, Eq)]
struct Facts {
    content: Option<Vec<u8>>,
    link: Option<PathBuf>,
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u64,
    mtime: (i64, i64),
}

/// Every path below `dir` (and `dir` itself) with what an attack could change.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Facts> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            let facts = Facts {
                content: m.is_file().then(|| std::fs::read(e.path()).unwrap()),
                link: m
                    .is_symlink()
                    .then(|| std::fs::read_link(e.path()).unwrap()),
                mode: m.mode(),
                uid: m.uid(),
                gid: m.gid(),
                nlink: m.nlink(),
                mtime: (m.mtime(), m.mtime_nsec()),
            };
            (e.path().to_path_buf(), facts)
        })
        .collect()
}

/// The host folder a hostile container points its symlinks at.
fn host_sentinels(dir: &Path) -> PathBuf {
    let host = dir.join("host");
    std::fs::create_dir_all(host.join("sub")).unwrap();
    std::fs::write(host.join("secret"), SECRET).unwrap();
    std::fs::write(host.join(ONLY_ON_HOST), SECRET).unwrap();
    std::fs::write(host.join("x"), "x").unwrap();
    std::fs::write(host.join("sub/deep"), SECRET).unwrap();
    host
}

/// A container process that points `/race/d` in turn at its own folder and at the host
/// folder (absolute, then climbing relative), and `/race/f` at its own file and at the
/// host's secret, until `/race/stop` appears. A path string checked in one state and
/// used in the next reaches the host.
fn start_swapper(home: &Path, host: &Path) -> Child {
    let h = host.display().to_string();
    let script = format!(
        "mkdir -p /race/real; echo container > /race/real/secret; echo mine > /race/realf; \
         ln -s /race/real /race/d; ln -s /race/realf /race/f; touch /race/ready; \
         while [ ! -e /race/stop ]; do \
           ln -sfn {h} /race/d; ln -sfn /race/real /race/d; \
           ln -sfn ../../../../../../../..{h} /race/d; ln -sfn /race/real /race/d; \
           ln -sfn {h}/secret /race/f; ln -sfn /race/realf /race/f; \
         done"
    );
    let child = strata_cmd(
        home,
        &[
            "run",
            "race",
            "--network",
            "none",
            "--",
            "sh",
            "-c",
            &script,
        ],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .expect("start the container");
    child
}

/// Stops the swapper however the test ends (a failed assertion included), so that no
/// container outlives the test.
struct Swapper {
    container: Container,
    child: Option<Child>,
}

impl Drop for Swapper {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            stop_swapper(&self.container, child);
        }
    }
}

fn wait_for(c: &Container, path: &str) {
    let start = Instant::now();
    while c.list_files(path).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the container never made {path}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stop_swapper(c: &Container, mut child: Child) {
    let _ = c.write_file("/race/stop", &mut &b""[..], None);
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            if !std::thread::panicking() {
                panic!("the container did not stop");
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// No regular file copied out holds the secret. Symlinks copied out as symlinks (as
/// `docker cp` does) are not followed: they point where the container said, on a host
/// where the person decides what to open.
fn assert_no_copy_holds_the_secret(dir: &Path, round: usize) {
    for e in walkdir::WalkDir::new(dir).follow_links(false) {
        let Ok(e) = e else { continue };
        if e.file_type().is_file() {
            let bytes = std::fs::read(e.path()).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("HOST SECRET"),
                "round {round}: cp out copied a host file to {}",
                e.path().display()
            );
        }
    }
    assert!(
        std::fs::symlink_metadata(dir.join(ONLY_ON_HOST)).is_err(),
        "round {round}: cp out copied the host folder"
    );
}

fn never_host(result: Result<Vec<u8>, ContainerError>, what: &str) {
    if let Ok(bytes) = result {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("HOST SECRET"),
            "{what} read the host's secret"
        );
    }
}

#[test]
fn files_cp_and_commit_never_reach_the_host_while_the_container_swaps_paths() {
    need_runc();
    need("slirp4netns");
    let (store, base) = ContainerStore::with_busybox();
    let home = &store.home;
    let host = host_sentinels(store.scratch());
    let before = snapshot(&host);
    let upload = store.scratch().join("upload.txt");
    std::fs::write(&upload, "uploaded").unwrap();
    let out_dir = store.scratch().join("out");

    ok(home, &["create", &base, "--name", "race"]);
    let engine = Containers::new(&Store::open(home).unwrap());
    let c = engine.get("race").unwrap();
    let swapper = Swapper {
        container: engine.get("race").unwrap(),
        child: Some(start_swapper(home, &host)),
    };
    wait_for(&c, "/race/ready");

    for i in 0..ROUNDS {
        // The cheap operations many times a round: a check-then-use window is a few
        // microseconds wide, and the swap loop has to land in it.
        for _ in 0..CHEAP {
            let mut got = Vec::new();
            never_host(
                c.read_file("/race/d/secret", &mut got).map(|_| got),
                "read through the swapped folder",
            );
            let mut got = Vec::new();
            never_host(
                c.read_file("/race/f", &mut got).map(|_| got),
                "read of the swapped file",
            );
            let _ = c.chmod("/race/d/secret", 0o4777);
            let _ = c.write_file("/race/d/new", &mut &b"written"[..], Some(0o4777));
        }
        never_host(
            c.read_text("/race/d/secret").map(|t| t.text.into_bytes()),
            "the editor",
        );
        let _ = c.write_file("/race/d/new", &mut &b"written"[..], Some(0o4777));
        let _ = c.write_file("/race/f", &mut &b"overwritten"[..], None);
        let _ = c.chmod("/race/d/secret", 0o4777);
        let _ = c.chmod("/race/f", 0o4777);
        let _ = c.rename("/race/d/x", "/race/d/y");
        let _ = c.delete("/race/d/x");
        let _ = c.delete("/race/d/sub");
        let _ = c.mkdir("/race/d/made", Some(0o4777));
        if let Ok(listed) = c.list_files("/race/d") {
            assert!(
                !listed.iter().any(|e| e.name == ONLY_ON_HOST),
                "a listing showed the host folder"
            );
        }
        let _ = c.copy_in(&upload, "/race/d/");
        let _ = std::fs::remove_dir_all(&out_dir);
        if c.copy_out("/race/d", &out_dir).is_ok() {
            assert_no_copy_holds_the_secret(&out_dir, i);
        }
        assert_eq!(
            snapshot(&host),
            before,
            "the host folder changed (round {i})"
        );
    }

    let mut committed = 0;
    for i in 0..COMMITS {
        let reference = format!("race:{i}").parse().unwrap();
        let Ok(made) = c.commit(&CommitOptions::new(reference)) else {
            continue;
        };
        committed += 1;
        for e in layer_entries(home, &made.layer.digest.to_string()) {
            assert!(
                !String::from_utf8_lossy(&e.content).contains("HOST SECRET"),
                "commit {i} put a host file into its layer: {}",
                e.path
            );
            assert!(!e.path.ends_with(ONLY_ON_HOST), "commit {i}: {}", e.path);
        }
    }
    assert!(
        committed > COMMITS / 2,
        "only {committed} commits succeeded"
    );

    drop(swapper);
    assert_eq!(snapshot(&host), before, "the host folder changed");
}

/// Runs `f` on a thread and fails the test if it has not returned within `limit`: a FIFO
/// opened for writing with no reader would block forever.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .expect("the operation blocked: a FIFO or device was opened")
}

#[test]
fn the_editor_refuses_devices_and_fifos_a_container_made() {
    need_runc();
    let (store, base) = ContainerStore::with_busybox();
    let home = &store.home;
    ok(home, &["create", &base, "--name", "dev"]);
    ok(
        home,
        &[
            "run",
            "dev",
            "--network",
            "none",
            "--",
            "sh",
            "-c",
            "mkdir -p /srv && mknod /srv/zero c 1 5 && mkfifo /srv/pipe && ln -s /srv/pipe /srv/link",
        ],
    );
    let engine = Containers::new(&Store::open(home).unwrap());
    for path in ["/srv/zero", "/srv/pipe", "/srv/link"] {
        let c = engine.get("dev").unwrap();
        let p = path.to_string();
        let err = within(Duration::from_secs(20), move || c.read_text(&p)).unwrap_err();
        assert_eq!(
            strata_core::problem::Explain::code(&err),
            "container.not_regular_file"
        );
        assert!(err.to_string().contains("not a regular file"), "{err}");

        let c = engine.get("dev").unwrap();
        let p = path.to_string();
        let err = within(Duration::from_secs(20), move || {
            c.write_file(&p, &mut &b"written"[..], None)
        })
        .unwrap_err();
        assert!(
            err.to_string().contains("not a regular file"),
            "{path}: {err}"
        );
    }
    // Nothing was written: the device and the FIFO are what they were, and the CLI says
    // the same thing in one line.
    let listed = engine.get("dev").unwrap().list_files("/srv").unwrap();
    let kinds: Vec<(String, String, u64)> = listed
        .into_iter()
        .map(|e| (e.name, e.kind, e.size))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("link".into(), "symlink".into(), 0),
            ("pipe".into(), "fifo".into(), 0),
            ("zero".into(), "char".into(), 0),
        ]
    );
    let line = error_line(home, &["cp", "dev:/srv/pipe", p(store.scratch())]);
    assert!(
        line.contains("/srv/pipe") && line.contains("not a regular file"),
        "{line}"
    );
}
