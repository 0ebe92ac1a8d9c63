//! The overlay and the baseline (copy) modes commit the same change as the same layer,
//! byte for byte, with `--reproducible`: an opaque directory (removed and made again), a
//! hard link, a symlink, an xattr, a mode-only change, a deletion and an addition.

mod support;

use serde_json::Value;
use support::container::*;
use support::*;

const SCRIPT: &str = "rm -rf /var/cache && mkdir /var/cache && echo new > /var/cache/fresh \
    && ln /data/orig /data/link \
    && ln -s ../etc/passwd /data/sym \
    && chmod 600 /data/mode.txt \
    && rm /etc/motd \
    && echo added > /root/added";

/// Makes the change in a new container of `mode`; returns (diff, commit result).
fn change_and_commit(store: &ContainerStore, base: &str, mode: &str) -> (Value, Value) {
    let home = &store.home;
    let name = format!("c-{mode}");
    let info = json(
        home,
        &["create", base, "--name", &name, "--mode", mode, "--json"],
    );
    ok(home, &["run", &name, "--", "sh", "-c", SCRIPT]);
    // An xattr, set from the host through the container's merged root.
    let root = store.rootfs(&info);
    xattr::set(root.join("data/attr.txt"), "user.color", b"blue").unwrap();
    let diff = json(home, &["diff", &name, "--json"]);
    let tag = format!("modes:{mode}");
    let args = [
        "commit",
        &name,
        &tag,
        "-m",
        "same",
        "--reproducible",
        "--json",
    ];
    let out = strata_cmd(home, &args)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    (diff, parse_json(&assert_ok(&out)))
}

#[test]
fn overlay_and_baseline_commit_the_same_layer() {
    need_runc();
    let (store, base) = ContainerStore::with_busybox();
    let home = &store.home;

    let (diff_o, overlay) = change_and_commit(&store, &base, "overlay");
    let (diff_b, baseline) = change_and_commit(&store, &base, "baseline");
    assert_eq!(diff_o, diff_b, "both modes report the same diff");
    assert_eq!(overlay["layer"]["diff_id"], baseline["layer"]["diff_id"]);
    assert_eq!(overlay["layer"]["digest"], baseline["layer"]["digest"]);
    assert_eq!(
        overlay["digest"], baseline["digest"],
        "and so the same image"
    );

    let entries = layer_entries(home, overlay["layer"]["digest"].as_str().unwrap());
    let find = |path: &str| {
        entries
            .iter()
            .find(|e| e.path == path)
            .unwrap_or_else(|| panic!("{path} is not in the layer: {entries:#?}"))
    };
    assert_eq!(find("var/cache/.wh..wh..opq").kind, 'f');
    assert_eq!(find("var/cache/fresh").content, b"new\n");
    assert!(
        entries.iter().all(|e| e.path != "var/cache/a"),
        "the old contents are hidden, not copied"
    );
    // Hard link: the first path in order holds the content, the other links to it.
    assert_eq!(find("data/link").content, b"linked\n");
    assert_eq!(
        (find("data/orig").kind, find("data/orig").link.as_deref()),
        ('h', Some("data/link"))
    );
    assert_eq!(
        (find("data/sym").kind, find("data/sym").link.as_deref()),
        ('l', Some("../etc/passwd"))
    );
    assert_eq!(find("data/mode.txt").mode, 0o600);
    assert_eq!(find("data/mode.txt").content, b"mode\n");
    assert_eq!(
        find("data/attr.txt").xattrs,
        vec![("user.color".to_string(), b"blue".to_vec())]
    );
    assert_eq!(find("etc/.wh.motd").kind, 'f');
    assert_eq!(find("root/added").content, b"added\n");
    assert!(
        entries.iter().all(|e| !e
            .xattrs
            .iter()
            .any(|(k, _)| k.starts_with("trusted.overlay."))),
        "overlayfs's own xattrs never reach a layer"
    );

    let letters = pluck_pairs(&diff_o, "change", "path");
    for want in [
        ("C", "/var/cache"),
        ("A", "/var/cache/fresh"),
        ("A", "/data/link"),
        ("C", "/data/orig"),
        ("A", "/data/sym"),
        ("C", "/data/mode.txt"),
        ("C", "/data/attr.txt"),
        ("D", "/etc/motd"),
        ("A", "/root/added"),
    ] {
        assert!(
            letters.contains(&(want.0.into(), want.1.into())),
            "{want:?} not in {letters:?}"
        );
    }

    // The same change again gives the same digest (reproducible).
    ok(home, &["rm", "c-overlay", "c-baseline"]);
    let (_, again) = change_and_commit(&store, &base, "overlay");
    assert_eq!(again["digest"], overlay["digest"]);
}

/// An image without `/proc`, `/sys` or `/dev`: the runtime needs them as mount points, and
/// neither the diff nor the commit may carry them (docker's init layer).
#[test]
fn runtime_mount_points_stay_out_of_commits() {
    need_runc();
    for mode in ["overlay", "baseline"] {
        let (store, base) = ContainerStore::with_bare_busybox();
        let home = &store.home;
        ok(home, &["create", &base, "--name", "bare", "--mode", mode]);
        ok(
            home,
            &[
                "run",
                "bare",
                "--",
                "sh",
                "-c",
                "test -e /proc/self && echo x > /tmp/x",
            ],
        );
        let diff = ok(home, &["diff", "bare"]);
        assert_eq!(diff, "C /tmp\nA /tmp/x (2 bytes)\n", "{mode}");
        let done = json(home, &["commit", "bare", "bare:next", "--json"]);
        let names: Vec<String> = layer_entries(home, done["layer"]["digest"].as_str().unwrap())
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(names, vec!["tmp", "tmp/x"], "{mode}");
    }
}
