//! `strata analyze` and `strata compare` through the binary, on an image made the way the
//! article makes one: `import-rootfs` of a folder, a container on it, files changed and
//! deleted, `commit`.
//!
//! - layer 0 (`app:1`): `etc/app.conf` (100 bytes), `var/cache/{a,b}` (300 + 200),
//!   `tmp/junk` (50);
//! - layer 1 (the commit, `app:2`): a new `etc/app.conf` (150), `var/cache` and `tmp/junk`
//!   deleted, and `ENV MODE=dev`.

mod support;

use std::path::PathBuf;

use serde_json::Value;
use support::container::ContainerStore;
use support::*;

/// The committed image's name, in a store that removes its container when dropped.
fn committed() -> (ContainerStore, &'static str) {
    let store = ContainerStore::empty();
    let (home, tmp) = (&store.home, store.scratch());
    let rootfs = tmp.join("rootfs");
    for d in ["etc", "var/cache", "tmp"] {
        std::fs::create_dir_all(rootfs.join(d)).unwrap();
    }
    let write = |root: &PathBuf, path: &str, n: usize| {
        std::fs::write(root.join(path), vec![b'x'; n]).unwrap();
    };
    write(&rootfs, "etc/app.conf", 100);
    write(&rootfs, "var/cache/a", 300);
    write(&rootfs, "var/cache/b", 200);
    write(&rootfs, "tmp/junk", 50);
    ok(home, &["import-rootfs", p(&rootfs), "--tag", "app:1"]);
    let created = json(
        home,
        &[
            "create", "app:1", "--name", "work", "--mode", "baseline", "--json",
        ],
    );
    let root = store.rootfs(&created);
    write(&root, "etc/app.conf", 150);
    std::fs::remove_dir_all(root.join("var/cache")).unwrap();
    std::fs::remove_file(root.join("tmp/junk")).unwrap();
    ok(
        home,
        &[
            "commit",
            "work",
            "app:2",
            "-m",
            "reconfigure, clean up",
            "-c",
            "ENV MODE=dev",
        ],
    );
    (store, "app:2")
}

fn layer_use(a: &Value) -> Vec<(u64, u64, u64)> {
    a["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| {
            let n = |k: &str| l[k].as_u64().unwrap();
            (n("bytes"), n("visible_bytes"), n("hidden_bytes"))
        })
        .collect()
}

#[test]
fn a_committed_image_scores_as_dive_scores_it() {
    let (store, image) = committed();
    let home = &store.home;
    let a = json(home, &["analyze", image, "--json"]);

    // dive: app.conf has versions 100 and 150, the deleted junk 50 and 0; the deleted
    // folder counts its 500 bytes once more, as its whiteout's own version.
    let dive = &a["dive"];
    assert_eq!(dive["minimum_bytes"], 100 + 300 + 200 + 500, "{a:#}");
    assert_eq!(dive["version_bytes"], 250 + 300 + 200 + 50 + 500, "{a:#}");
    assert_eq!(dive["wasted_bytes"], 300, "{a:#}");
    assert_eq!(dive["efficiency"].as_f64().unwrap(), 1100.0 / 1300.0);
    let wasted: Vec<(String, u64)> = a["wasted"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["bytes"].as_u64() != Some(0))
        .map(|w| {
            (
                w["path"].as_str().unwrap().into(),
                w["bytes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        wasted,
        vec![("/etc/app.conf".into(), 250), ("/tmp/junk".into(), 50)]
    );

    // Ours: nothing of the base layer is left in sight.
    assert_eq!(layer_use(&a), vec![(650, 0, 650), (150, 150, 0)], "{a:#}");
    let deleted: Vec<(String, u64, u64)> = a["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().into(),
                d["layer"].as_u64().unwrap(),
                d["hidden_by"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        deleted,
        vec![
            ("/var/cache/a".into(), 0, 1),
            ("/var/cache/b".into(), 0, 1),
            ("/tmp/junk".into(), 0, 1)
        ]
    );

    let text = ok(home, &["analyze", image]);
    assert!(text.contains("efficiency (dive)   84.6 %"), "{text}");
    assert!(text.contains("wasted (dive)       300B"), "{text}");
    assert!(
        text.contains("stored              800B: 150B visible, 650B hidden"),
        "{text}"
    );
    assert!(text.contains("reconfigure, clean up") || text.contains("LAYER"));
}

#[test]
fn fail_below_exits_1_under_the_threshold_like_dive_ci() {
    let (store, image) = committed();
    let home = &store.home;
    let err = error_line(home, &["analyze", image, "--fail-below", "0.9"]);
    assert!(
        err.contains("app:2's efficiency is 84.6 %, below --fail-below 90.0 % (300B wasted)"),
        "{err}"
    );
    let out = strata(home, &["analyze", image, "--fail-below", "0.9"]);
    assert_eq!(out.status.code(), Some(1));
    // The report is printed before the verdict.
    assert!(stdout(&out).contains("efficiency (dive)"));

    ok(home, &["analyze", image, "--fail-below", "0.8"]);
    // The base image wastes nothing.
    ok(home, &["analyze", "app:1", "--fail-below", "1"]);

    let out = strata(home, &["analyze", image, "--fail-below", "90"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a usage error, as clap reports them"
    );
    assert!(stderr(&out).contains("not a score between 0 and 1"));
}

#[test]
fn an_unknown_image_is_a_clear_error() {
    let (_tmp, home) = scratch();
    let err = error_line(&home, &["analyze", "nothing:here"]);
    assert!(err.contains("nothing:here"), "{err}");
}

/// (change, path, what) of a `compare --json`.
fn file_diffs(c: &Value) -> Vec<(String, String, Vec<String>)> {
    c["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let what = f["what"]
                .as_array()
                .map(|w| w.iter().map(|x| x.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            (
                f["change"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
                what,
            )
        })
        .collect()
}

#[test]
fn compare_an_image_with_its_commit() {
    let (store, image) = committed();
    let home = &store.home;
    let c = json(home, &["compare", "app:1", image, "--json"]);
    assert_eq!(c["identical"], false);
    let layers = &c["layers"];
    assert_eq!(layers["shared"].as_array().unwrap().len(), 1, "{c:#}");
    assert_eq!(layers["common_base"], 1);
    assert_eq!(layers["only_a"].as_array().unwrap().len(), 0);
    assert_eq!(layers["only_b"].as_array().unwrap().len(), 1);
    let s = |x: &str| x.to_string();
    // Folders whose contents changed are not listed: only mode and owner count for them.
    let files = file_diffs(&c);
    assert_eq!(
        files,
        vec![
            (s("changed"), s("/etc/app.conf"), vec![s("size")]),
            (s("removed"), s("/tmp/junk"), vec![]),
            (s("removed"), s("/var/cache"), vec![]),
            (s("removed"), s("/var/cache/a"), vec![]),
            (s("removed"), s("/var/cache/b"), vec![]),
        ],
        "{c:#}"
    );
    assert_eq!(c["config"][0]["field"], "env", "{c:#}");
    assert_eq!(c["config"][0]["key"], "MODE");
    assert_eq!(c["config"][0]["b"], "dev");

    let text = ok(home, &["compare", "app:1", image]);
    assert!(
        text.contains("C /etc/app.conf  size 100B -> 150B"),
        "{text}"
    );
    assert!(text.contains("D /var/cache/a (300B)"), "{text}");
    assert!(text.contains("1 shared"), "{text}");
}

#[test]
fn compare_two_unrelated_images_and_one_with_itself() {
    let (tmp, home) = scratch();
    for (name, text) in [("one", "first"), ("two", "second!")] {
        let root = tmp.path().join(name);
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/release"), text).unwrap();
        std::fs::write(root.join(format!("{name}.txt")), "x").unwrap();
        ok(
            &home,
            &["import-rootfs", p(&root), "--tag", &format!("{name}:1")],
        );
    }
    let c = json(&home, &["compare", "one:1", "two:1", "--json"]);
    assert_eq!(c["layers"]["shared"].as_array().unwrap().len(), 0);
    assert_eq!(c["layers"]["common_base"], 0);
    let s = |x: &str| x.to_string();
    assert_eq!(
        file_diffs(&c),
        vec![
            (s("changed"), s("/etc/release"), vec![s("size")]),
            (s("removed"), s("/one.txt"), vec![]),
            (s("added"), s("/two.txt"), vec![]),
        ]
    );

    let same = json(&home, &["compare", "one:1", "one:1", "--json"]);
    assert_eq!(same["identical"], true);
    assert_eq!(same["files"].as_array().unwrap().len(), 0);
    assert_eq!(same["config"].as_array().unwrap().len(), 0);
    assert!(ok(&home, &["compare", "one:1", "one:1"]).contains("identical"));
}
