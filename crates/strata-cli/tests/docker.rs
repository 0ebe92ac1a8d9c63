//! Beside Docker Engine, against the real daemon (Debian's `docker.io`): what `strata send
//! --to docker` hands over through the API socket, `docker image inspect` shows with the
//! same diff_ids; what Docker holds, `strata import --from docker` brings in with the same
//! diff_ids. Each test starts its own `dockerd` as root in its scratch folder (its own
//! data root, exec root and socket; vfs storage; no iptables, no bridge), reached through
//! `DOCKER_HOST`, so no real daemon or store is touched and nothing is pulled.
//!
//! dockerd must be installed (the Makefile installs docker.io) and the tests run as root:
//! they fail, they do not skip, otherwise.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use strata_testkit::fixtures::{Entry, Image, Layer};
use support::*;

/// A dockerd of the test's own, stopped (SIGTERM, so that it stops its containerd too)
/// when dropped.
struct Dockerd {
    child: Child,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Dockerd {
    fn start() -> Dockerd {
        // SAFETY: geteuid cannot fail and touches no memory.
        assert!(unsafe { libc::geteuid() } == 0, "dockerd needs root");
        let dockerd = need("dockerd");
        // Short paths: containerd's socket lives under the exec root (108-byte limit).
        let dir = tempfile::Builder::new()
            .prefix("dk")
            .tempdir_in("/tmp")
            .unwrap();
        let d = dir.path();
        let socket = d.join("docker.sock");
        let log = std::fs::File::create(d.join("dockerd.log")).unwrap();
        let child = Command::new(dockerd)
            .args([
                "--data-root",
                p(&d.join("data")),
                "--exec-root",
                p(&d.join("x")),
                "--pidfile",
                p(&d.join("pid")),
                "-H",
                &format!("unix://{}", p(&socket)),
                "--storage-driver",
                "vfs",
                "--iptables=false",
                "--ip6tables=false",
                "--bridge=none",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        let daemon = Dockerd {
            child,
            socket,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let up = daemon
                .command(&["version", "--format", "{{.Server.Version}}"])
                .output()
                .is_ok_and(|o| o.status.success());
            if up {
                return daemon;
            }
            let log = std::fs::read_to_string(daemon._dir.path().join("dockerd.log"));
            assert!(
                Instant::now() < deadline,
                "dockerd did not start: {}",
                log.unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn host(&self) -> String {
        format!("unix://{}", p(&self.socket))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(need("docker"));
        cmd.arg("-H").arg(self.host()).args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("run docker");
        assert!(out.status.success(), "docker {args:?}: {}", stderr(&out));
        stdout(&out)
    }

    fn diff_ids(&self, image: &str) -> Vec<String> {
        let v: Value = parse_json(&self.run(&["image", "inspect", image]));
        strings(&v[0]["RootFS"]["Layers"])
    }

    /// `strata` with this daemon.
    fn strata(&self, home: &Path, args: &[&str]) -> std::process::Output {
        strata_cmd(home, args)
            .env("DOCKER_HOST", self.host())
            .env("STRATA_PODMAN", "/nonexistent/podman")
            .stdin(Stdio::null())
            .output()
            .expect("run strata")
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        // SAFETY: a signal to our own child, by its id.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixture() -> Image {
    Image::builder()
        .layer(
            Layer::build(&[
                Entry::dir("etc"),
                Entry::file("etc/motd", "hello from the base layer\n"),
            ])
            .unwrap(),
        )
        .layer(
            Layer::build(&[
                Entry::dir("srv"),
                Entry::file("srv/data.txt", "x".repeat(300_000)),
            ])
            .unwrap(),
        )
        .cmd(&["/bin/sh"])
        .build()
}

#[test]
fn what_strata_sends_docker_holds_with_the_same_diff_ids() {
    let (tmp, home) = scratch();
    let docker = Dockerd::start();
    let img = fixture();
    import_image(&home, &tmp.path().join("layout"), &img, "example.com/app:1");

    let out = docker.strata(
        &home,
        &["send", "example.com/app:1", "--to", "docker", "--json"],
    );
    let sent = parse_json(&assert_ok(&out));
    assert_eq!(sent["engine"], "docker");
    assert!(sent["bytes"].as_u64().unwrap() > 300_000, "{sent}");
    assert_eq!(strings(&sent["loaded"]), ["example.com/app:1"], "{sent}");
    assert_eq!(docker.diff_ids("example.com/app:1"), diff_ids_of(&img));
    // The same config: Docker's image ID is the config's digest.
    let id = docker.run(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        "example.com/app:1",
    ]);
    assert_eq!(id.trim(), inspect(&home, "example.com/app:1")["id"]);

    // A Docker Hub name is Docker's own familiar name; without --to, Docker is the one
    // found (podman is not there).
    ok(&home, &["tag", "example.com/app:1", "e2e/hub:1"]);
    let out = docker.strata(&home, &["send", "e2e/hub:1"]);
    assert!(assert_ok(&out).contains("e2e/hub:1"), "{}", stdout(&out));
    assert_eq!(docker.diff_ids("e2e/hub:1"), diff_ids_of(&img));

    let out = docker.strata(&home, &["engines", "--json"]);
    let engines = parse_json(&assert_ok(&out));
    assert_eq!(engines[1]["kind"], "docker");
    assert_eq!(engines[1]["usable"], true, "{engines}");
    assert_eq!(engines[1]["version"], "20.10.24+dfsg1", "{engines}");
    // Nothing was spooled to disk on the way.
    let tmp_files: Vec<_> = std::fs::read_dir(home.join("tmp"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name() != "sessions")
                .map(|e| e.file_name())
                .collect()
        })
        .unwrap_or_default();
    assert!(tmp_files.is_empty(), "{tmp_files:?}");
}

#[test]
fn what_docker_holds_strata_imports_with_the_same_diff_ids() {
    let (tmp, home) = scratch();
    let docker = Dockerd::start();
    // A one-layer image made by Docker itself, from a tar.
    let rootfs = tmp.path().join("rootfs.tar");
    let layer = Layer::build(&[
        Entry::dir("opt"),
        Entry::file("opt/hello", "from docker\n".repeat(1000)),
    ])
    .unwrap();
    std::fs::write(&rootfs, &layer.tar).unwrap();
    docker.run(&["import", p(&rootfs), "made-by-docker:1"]);
    let want = docker.diff_ids("made-by-docker:1");

    let out = docker.strata(&home, &["import", "--from", "docker", "made-by-docker:1"]);
    let text = assert_ok(&out);
    assert!(
        text.contains("docker.io/library/made-by-docker:1"),
        "{text}"
    );
    let details = inspect(&home, "made-by-docker:1");
    assert_eq!(diff_ids(&details), want);
    let id = docker.run(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        "made-by-docker:1",
    ]);
    assert_eq!(details["id"], id.trim());

    // By ID with a new name; and the list the app shows.
    let out = docker.strata(
        &home,
        &[
            "import",
            "--from",
            "docker",
            id.trim(),
            "--tag",
            "example.com/renamed:2",
            "--json",
        ],
    );
    let imported = parse_json(&assert_ok(&out));
    assert_eq!(imported["images"][0]["name"], "example.com/renamed:2");
    assert_eq!(diff_ids(&inspect(&home, "example.com/renamed:2")), want);

    // Docker's own message for what it does not hold; names that read as options never
    // reach it.
    let out = docker.strata(&home, &["import", "--from", "docker", "none-such:1"]);
    let err = assert_fails(&out);
    assert!(
        err.contains("docker image inspect") && err.contains("No such image"),
        "{err}"
    );
    let out = docker.strata(&home, &["import", "--from", "docker", "--", "--all"]);
    assert!(assert_fails(&out).contains("invalid image name"));
}

#[test]
fn a_daemon_that_refuses_the_archive_says_why() {
    let (tmp, home) = scratch();
    let docker = Dockerd::start();
    let img = fixture();
    import_image(&home, &tmp.path().join("layout"), &img, "example.com/app:1");
    // A store blob damaged after the import: the export stops, Docker gets a cut archive
    // it never finishes loading, and the error names the damage.
    let manifest = manifest(&home, "example.com/app:1");
    let layer = layer_digests(&manifest)[1].clone();
    let path = blob_path(&home, &layer);
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, bytes).unwrap();
    let out = docker.strata(&home, &["send", "example.com/app:1", "--to", "docker"]);
    let err = assert_fails(&out);
    assert!(err.contains("damaged") && err.contains(&layer), "{err}");
    let images = docker.run(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(!images.contains("example.com/app"), "{images}");
}
