//! Beside Podman, against the real one: what `strata send` hands over, `podman image
//! inspect` shows with the same diff_ids; what Podman holds, `strata import --from podman`
//! brings in with the same diff_ids. Podman runs rootful on the vfs driver in the test's
//! own scratch folder (through `STRATA_PODMAN_ARGS`), so no real store is touched, and
//! nothing is pulled from anywhere.
//!
//! podman must be installed (the Makefile installs it): these tests fail, they do not skip,
//! when it is missing.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use strata_testkit::fixtures::{Entry, Image, Layer};
use support::*;

/// A podman in `dir`: its own root, run root and vfs storage; no cgroups, no events.
struct Podman {
    args: Vec<String>,
}

impl Podman {
    fn new(dir: &Path) -> Podman {
        let args = vec![
            "--root".into(),
            p(&dir.join("root")).into(),
            "--runroot".into(),
            p(&dir.join("runroot")).into(),
            "--storage-driver".into(),
            "vfs".into(),
            "--cgroup-manager".into(),
            "cgroupfs".into(),
            "--events-backend".into(),
            "none".into(),
        ];
        Podman { args }
    }

    fn env(&self) -> String {
        self.args.join(" ")
    }

    fn run(&self, args: &[&str]) -> String {
        let mut all: Vec<&str> = self.args.iter().map(String::as_str).collect();
        all.extend_from_slice(args);
        peer("podman", &all)
    }

    fn diff_ids(&self, image: &str) -> Vec<String> {
        let out = self.run(&["image", "inspect", image]);
        let v: Value = parse_json(&out);
        strings(&v[0]["RootFS"]["Layers"])
    }

    /// `strata` with this podman.
    fn strata(&self, home: &Path, args: &[&str]) -> std::process::Output {
        strata_cmd(home, args)
            .env("STRATA_PODMAN_ARGS", self.env())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run strata")
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
                Entry::file("srv/data.txt", "x".repeat(10_000)),
            ])
            .unwrap(),
        )
        .cmd(&["/bin/sh"])
        .build()
}

fn setup() -> (tempfile::TempDir, PathBuf, Podman) {
    need("podman");
    let (tmp, home) = scratch();
    let podman = Podman::new(&tmp.path().join("podman"));
    (tmp, home, podman)
}

#[test]
fn what_strata_sends_podman_holds_with_the_same_diff_ids() {
    let (tmp, home, podman) = setup();
    let img = fixture();
    import_image(&home, &tmp.path().join("layout"), &img, "example.com/app:1");

    let out = podman.strata(
        &home,
        &["send", "example.com/app:1", "--to", "podman", "--json"],
    );
    let sent = parse_json(&assert_ok(&out));
    assert_eq!(sent["engine"], "podman");
    assert!(sent["bytes"].as_u64().unwrap() > 10_000, "{sent}");
    let loaded = strings(&sent["loaded"]);
    assert!(
        loaded.iter().any(|l| l.contains("example.com/app:1")),
        "{sent}"
    );

    assert_eq!(podman.diff_ids("example.com/app:1"), diff_ids_of(&img));

    // A Docker Hub name keeps its registry in podman, not podman's `localhost/` guess.
    ok(&home, &["tag", "example.com/app:1", "e2e/hub:1"]);
    let out = podman.strata(&home, &["send", "e2e/hub:1"]);
    assert!(
        assert_ok(&out).contains("docker.io/e2e/hub:1"),
        "{}",
        stdout(&out)
    );
    assert_eq!(podman.diff_ids("docker.io/e2e/hub:1"), diff_ids_of(&img));
    let names = podman.run(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(!names.contains("localhost/e2e/hub"), "{names}");
    // The podman the test set up, not another: the engine list sees it.
    let out = podman.strata(&home, &["engines", "--json"]);
    let engines = parse_json(&assert_ok(&out));
    assert_eq!(engines[0]["kind"], "podman");
    assert_eq!(engines[0]["usable"], true);
}

#[test]
fn what_podman_holds_strata_imports_with_the_same_diff_ids() {
    let (tmp, home, podman) = setup();
    // A one-layer image made by podman itself, from a tar.
    let rootfs = tmp.path().join("rootfs.tar");
    let layer =
        Layer::build(&[Entry::dir("opt"), Entry::file("opt/hello", "from podman\n")]).unwrap();
    std::fs::write(&rootfs, &layer.tar).unwrap();
    podman.run(&["import", p(&rootfs), "localhost/made-by-podman:1"]);
    let want = podman.diff_ids("localhost/made-by-podman:1");

    let out = podman.strata(
        &home,
        &["import", "--from", "podman", "localhost/made-by-podman:1"],
    );
    let text = assert_ok(&out);
    assert!(text.contains("localhost/made-by-podman:1"), "{text}");
    assert_eq!(
        diff_ids(&inspect(&home, "localhost/made-by-podman:1")),
        want
    );

    // By ID with a new name.
    let id = podman.run(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        "localhost/made-by-podman:1",
    ]);
    let out = podman.strata(
        &home,
        &[
            "import",
            "--from",
            "podman",
            id.trim(),
            "--tag",
            "example.com/renamed:2",
            "--json",
        ],
    );
    let imported = parse_json(&assert_ok(&out));
    assert_eq!(imported["images"][0]["name"], "example.com/renamed:2");
    assert_eq!(diff_ids(&inspect(&home, "example.com/renamed:2")), want);
}

#[test]
fn names_that_read_as_options_never_reach_podman() {
    let (_tmp, home, podman) = setup();
    for bad in ["--root=/", "-q"] {
        let out = podman.strata(&home, &["import", "--from", "podman", "--", bad]);
        let err = assert_fails(&out);
        assert!(err.contains("invalid image name"), "{err}");
    }
    let out = podman.strata(&home, &["import", "--from", "podman", "localhost/none:1"]);
    let err = assert_fails(&out);
    assert!(err.contains("podman image inspect"), "{err}");
}

#[test]
fn without_podman_the_error_says_what_was_looked_for() {
    let (_tmp, home) = scratch();
    let run = |args: &[&str]| {
        strata_cmd(&home, args)
            .env("STRATA_PODMAN", "/nonexistent/podman")
            .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
            .output()
            .unwrap()
    };
    let err = assert_fails(&run(&["send", "example.com/app:1"]));
    assert!(err.contains("no container engine found"), "{err}");
    assert!(err.contains("podman") && err.contains("docker"), "{err}");
    let err = assert_fails(&run(&["send", "example.com/app:1", "--to", "docker"]));
    assert!(err.contains("Docker not found"), "{err}");
    let out = run(&["engines", "--json"]);
    let engines = parse_json(&assert_ok(&out));
    assert_eq!(engines[0]["found"], false);
    assert_eq!(engines[1]["found"], false);
}
