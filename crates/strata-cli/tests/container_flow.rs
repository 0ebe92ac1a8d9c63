//! The article's flow (`docker commit -m -a`, ../shared/seed), with a real runc and
//! umoci, on a busybox image built here, in both container modes: create; `cp` a file in;
//! `run` a command that deletes a file and creates another; `diff` shows all three;
//! `commit -m -a`; the new image keeps every base layer and adds exactly one, whose tar
//! holds the new files and the `.wh.` entry; `umoci unpack` shows the change; a container
//! from the new image sees it. A commit with nothing in it is refused.

mod support;

use serde_json::Value;
use support::container::*;
use support::*;

fn article_flow(mode: &str) {
    need_runc();
    need("umoci");
    let (store, base) = ContainerStore::with_busybox();
    let (home, tmp) = (&store.home, store.scratch());

    let created = json(
        home,
        &["create", &base, "--name", "work", "--mode", mode, "--json"],
    );
    assert_eq!(created["mode"], mode);
    // The base image's layer cache shows the layers as the image merges them.
    ok(
        home,
        &["run", "work", "--", "sh", "-c", "test ! -e /etc/old && test ! -e /var/lib/x && test -e /var/lib/y && test -e /var/cache/a"],
    );

    let host_file = tmp.join("vimrc");
    std::fs::write(&host_file, "set number\n").unwrap();
    ok(home, &["cp", p(&host_file), "work:/root/"]);
    let run = strata(
        home,
        &[
            "run",
            "work",
            "--",
            "sh",
            "-c",
            "rm /etc/motd && echo installed > /bin/vim && chmod 755 /bin/vim && echo done; exit 7",
        ],
    );
    assert_eq!(
        run.status.code(),
        Some(7),
        "the command's exit code comes back"
    );
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "done\n",
        "stdout is streamed"
    );

    let diff = json(home, &["diff", "work", "--json"]);
    let lines: Vec<(String, String, u64)> = diff
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["change"].as_str().unwrap().to_string(),
                e["path"].as_str().unwrap().to_string(),
                e["size"].as_u64().unwrap(),
            )
        })
        .collect();
    for want in [
        ("A", "/root/vimrc", 11),
        ("D", "/etc/motd", 6),
        ("A", "/bin/vim", 10),
    ] {
        assert!(
            lines.contains(&(want.0.into(), want.1.into(), want.2)),
            "{want:?} missing from {lines:?}"
        );
    }
    let text = ok(home, &["diff", "work"]);
    assert!(text.contains("D /etc/motd"), "{text}");

    let before = manifest(home, &base);
    let committed = json(
        home,
        &[
            "commit",
            "work",
            "example.com/me/busybox:vim",
            "-m",
            "install vim",
            "-a",
            "Li Lei <lilei@example.com>",
            "-c",
            "ENV EDITOR=vim",
            "--json",
        ],
    );
    let after = manifest(home, "example.com/me/busybox:vim");
    let (old, new) = (layer_digests(&before), layer_digests(&after));
    assert_eq!(new.len(), old.len() + 1, "exactly one new layer");
    assert_eq!(
        &new[..old.len()],
        &old[..],
        "every base layer is kept by digest"
    );
    assert_eq!(
        new.last().unwrap(),
        committed["layer"]["digest"].as_str().unwrap()
    );

    let entries = layer_entries(home, new.last().unwrap());
    let names: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    for want in ["root/vimrc", "bin/vim", "etc/.wh.motd"] {
        assert!(
            names.contains(&want),
            "{want} missing from the layer: {names:?}"
        );
    }
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("var") || n.starts_with("data")),
        "unchanged paths are not in the layer: {names:?}"
    );
    let vim = entries.iter().find(|e| e.path == "bin/vim").unwrap();
    assert_eq!(
        (vim.mode, vim.content.as_slice()),
        (0o755, &b"installed\n"[..])
    );

    let config = blob_json(home, after["config"]["digest"].as_str().unwrap());
    let last = config["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["comment"], "install vim");
    assert_eq!(last["author"], "Li Lei <lilei@example.com>");
    assert_eq!(config["author"], "Li Lei <lilei@example.com>");
    assert_eq!(
        config["rootfs"]["diff_ids"]
            .as_array()
            .unwrap()
            .last()
            .unwrap(),
        &committed["layer"]["diff_id"]
    );
    let env: Vec<&str> = config["config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(env.contains(&"EDITOR=vim"), "{env:?}");

    // umoci reads the store as the OCI layout it is.
    let bundle = tmp.join("bundle");
    let image = format!("{}:example.com/me/busybox:vim", home.display());
    peer("umoci", &["unpack", "--image", &image, p(&bundle)]);
    let rootfs = bundle.join("rootfs");
    assert_eq!(
        std::fs::read(rootfs.join("root/vimrc")).unwrap(),
        b"set number\n"
    );
    assert_eq!(
        std::fs::read(rootfs.join("bin/vim")).unwrap(),
        b"installed\n"
    );
    assert!(!rootfs.join("etc/motd").exists());
    assert!(!rootfs.join("etc/old").exists());

    // A container from the new image sees the change.
    ok(
        home,
        &[
            "create",
            "example.com/me/busybox:vim",
            "--name",
            "again",
            "--mode",
            mode,
        ],
    );
    let seen = ok(
        home,
        &[
            "run",
            "again",
            "--",
            "sh",
            "-c",
            "cat /root/vimrc /bin/vim; test ! -e /etc/motd && echo no-motd; echo $EDITOR",
        ],
    );
    assert_eq!(seen, "set number\ninstalled\nno-motd\nvim\n");
    assert_eq!(
        json(home, &["diff", "again", "--json"]),
        Value::Array(vec![])
    );

    // Push it and pull it into an empty store: the same digests.
    let registry = start_registry("none");
    let remote = format!("{}/me/busybox:vim", registry.host());
    ok(
        home,
        &["push", "example.com/me/busybox:vim", &remote, "--json"],
    );
    let empty = tmp.join("empty");
    ok(&empty, &["pull", &remote, "--json"]);
    let pulled = manifest(&empty, &remote);
    assert_eq!(layer_digests(&pulled), new);
    assert_eq!(pulled["config"]["digest"], after["config"]["digest"]);

    // `rmi` refuses an image a container uses; `rm` frees it.
    let refused = fails(home, &["rmi", "example.com/me/busybox:vim"]);
    assert!(refused.contains("again"));
    ok(home, &["rm", "again", "work"]);
    assert_eq!(json(home, &["ps", "--json"]), Value::Array(vec![]));
    ok(home, &["rmi", "example.com/me/busybox:vim"]);
    let cached = std::fs::read_dir(home.join("layers")).map_or(0, |d| d.count());
    assert_eq!(cached, 0, "no container left, no cached layer left");
}

#[test]
fn article_flow_overlay() {
    article_flow("overlay");
}

#[test]
fn article_flow_baseline() {
    article_flow("baseline");
}

#[test]
fn an_overlay_container_survives_a_restart() {
    need_runc();
    let (store, base) = ContainerStore::with_busybox();
    let home = &store.home;
    let info = json(
        home,
        &[
            "create", &base, "--name", "kept", "--mode", "overlay", "--json",
        ],
    );
    ok(
        home,
        &["run", "kept", "--", "sh", "-c", "echo 1 > /tmp/state"],
    );
    // A reboot takes the mount away; the next use mounts it again.
    let rootfs = store.rootfs(&info);
    let status = std::process::Command::new("umount")
        .arg(&rootfs)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(!rootfs.join("bin/busybox").exists());
    let diff = ok(home, &["diff", "kept"]);
    assert!(diff.contains("A /tmp/state"), "{diff}");
    assert_eq!(ok(home, &["run", "kept", "--", "cat", "/tmp/state"]), "1\n");
}

#[test]
fn a_missing_runtime_is_a_clear_error() {
    let (store, base) = ContainerStore::with_busybox();
    let home = &store.home;
    ok(
        home,
        &["create", &base, "--name", "c", "--mode", "baseline"],
    );
    let out = strata_cmd(home, &["run", "c", "--", "true"])
        .env("STRATA_RUNC", "/nonexistent/runc")
        .output()
        .unwrap();
    let err = assert_fails(&out);
    assert!(err.contains("no OCI runtime found"), "{err}");
    assert!(err.contains("apt install runc"), "{err}");
}

#[test]
fn names_are_unique_and_cp_copies_out() {
    let (store, base) = ContainerStore::with_busybox();
    let (home, tmp) = (&store.home, store.scratch());
    ok(
        home,
        &["create", &base, "--name", "one", "--mode", "baseline"],
    );
    let dup = fails(
        home,
        &["create", &base, "--name", "one", "--mode", "baseline"],
    );
    assert!(dup.contains("already exists"));
    let out = tmp.join("passwd");
    ok(home, &["cp", "one:/etc/passwd", p(&out)]);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "root:x:0:0:root:/root:/bin/sh\n"
    );
    // A symlink pointing out of the container resolves inside it.
    let evil = tmp.join("evil");
    std::os::unix::fs::symlink("/", &evil).unwrap();
    ok(home, &["cp", p(&evil), "one:/evil"]);
    // The container has no /etc/hostname; the host's must not come out through the link.
    let copied = tmp.join("hostname-copy");
    fails(home, &["cp", "one:/evil/etc/hostname", p(&copied)]);
    assert!(!copied.exists());
}

/// The baseline path works without root (create, cp, diff, commit, rm); `run` says
/// clearly that it needs root. Run as `nobody` through setpriv.
#[test]
fn baseline_works_without_root() {
    need_root();
    let setpriv = need("setpriv");
    let store = ContainerStore::empty();
    let (home, tmp) = (&store.home, store.scratch());
    let rootfs = tmp.join("rootfs");
    for d in ["bin", "etc", "tmp"] {
        std::fs::create_dir_all(rootfs.join(d)).unwrap();
    }
    std::fs::write(rootfs.join("etc/motd"), "hi\n").unwrap();
    std::fs::write(tmp.join("f"), "x\n").unwrap();
    let status = std::process::Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(tmp)
        .status()
        .unwrap();
    assert!(status.success());
    let as_nobody = |args: &[&str]| {
        std::process::Command::new(&setpriv)
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_strata"))
            .arg("--home")
            .arg(home)
            .args(args)
            .output()
            .unwrap()
    };
    let must = |args: &[&str]| assert_ok(&as_nobody(args));
    must(&["import-rootfs", p(&rootfs), "--tag", "plain:1"]);
    must(&["create", "plain:1", "--name", "n"]);
    assert!(must(&["ps"]).contains("baseline"));
    let f = tmp.join("f");
    must(&["cp", p(&f), "n:/tmp/"]);
    assert_eq!(must(&["diff", "n"]), "C /tmp\nA /tmp/f (2 bytes)\n");
    must(&["commit", "n", "plain:2", "-m", "as nobody"]);
    let err = assert_fails(&as_nobody(&["run", "n", "--", "true"]));
    assert!(err.contains("needs root"), "{err}");
    must(&["rm", "n"]);
}

/// Nothing to commit (no file changed, no `-c`) is refused, as the app refuses it: the new
/// image would be its base under another name. A config change alone is something.
#[test]
fn commit_refuses_a_container_with_nothing_in_it() {
    let (store, base) = ContainerStore::with_busybox();
    let home = &store.home;
    ok(
        home,
        &["create", &base, "--name", "same", "--mode", "baseline"],
    );
    let err = fails(home, &["commit", "same", "same:2", "-m", "nothing"]);
    assert!(
        err.contains("container same has no changes to commit"),
        "{err}"
    );
    assert!(
        !ok(home, &["images"]).contains("same "),
        "no image was named"
    );
    ok(home, &["commit", "same", "same:2", "-c", "ENV MODE=dev"]);
    assert!(ok(home, &["images"]).contains("same "));
}
