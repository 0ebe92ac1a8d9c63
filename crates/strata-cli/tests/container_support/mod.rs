//! Shared by the `container_*` tests: the `strata` binary, a busybox image built here
//! (busybox-static from the host, in generated layers), reading a layer's tar, and a guard
//! that removes containers (and so their overlay mounts) before the temporary store goes.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use strata_testkit::fixtures::{Entry, Image, Layer, OciLayout};

pub fn strata(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--home")
        .arg(home)
        .args(args)
        .output()
        .expect("run strata")
}

pub fn ok(home: &Path, args: &[&str]) -> String {
    let out = strata(home, args);
    assert!(
        out.status.success(),
        "strata {args:?} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn json(home: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(home, args)).expect("JSON output")
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The real peers these tests need; a missing one fails with a clear message.
pub fn need(tool: &str) {
    let found = ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]
        .iter()
        .any(|d| Path::new(d).join(tool).is_file());
    assert!(
        found,
        "{tool} is not installed: `make deps` installs it (Debian package {tool})"
    );
}

pub fn need_root() {
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc_geteuid() } == 0;
    assert!(
        root,
        "these tests run containers with runc and mount overlayfs: run them as root"
    );
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

/// A busybox image of three layers, imported into `home` as `busybox:base`:
/// 1. busybox-static and its applets, `/etc/passwd`, the usual empty folders;
/// 2. files the tests change: `/etc/motd`, `/etc/old`, `/var/cache/{a,b}`, `/var/lib/x`,
///    `/data/{orig,mode.txt,attr.txt}`;
/// 3. a whiteout (`/etc/old`) and an opaque `/var/lib` holding only `y`, so that the
///    layer cache's overlay markers are exercised.
pub fn busybox_image(home: &Path, scratch: &Path) -> String {
    busybox_image_with(home, scratch, true)
}

/// As [`busybox_image`]; without `/proc`, `/sys` and `/dev` unless `mount_points`.
pub fn busybox_image_with(home: &Path, scratch: &Path, mount_points: bool) -> String {
    need("busybox");
    let busybox = std::fs::read("/bin/busybox").expect("read /bin/busybox");
    let list = Command::new("/bin/busybox")
        .arg("--list")
        .output()
        .expect("busybox --list");
    let mut base = vec![
        Entry::dir("bin"),
        Entry::dir("dev"),
        Entry::dir("etc"),
        Entry::dir("proc"),
        Entry::dir("root"),
        Entry::dir("sys"),
        Entry::dir("tmp"),
        Entry::executable("bin/busybox", &busybox),
        Entry::file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
        Entry::file("etc/group", "root:x:0:\n"),
    ];
    if !mount_points {
        base.retain(|e| !matches!(e, Entry::Dir { path, .. } if ["proc", "sys", "dev"].contains(&path.as_str())));
    }
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if applet != "busybox" && !applet.is_empty() {
            base.push(Entry::symlink(&format!("bin/{applet}"), "busybox"));
        }
    }
    let files = Layer::build(&[
        Entry::dir("data"),
        Entry::file("data/orig", "linked\n"),
        Entry::file("data/mode.txt", "mode\n"),
        Entry::file("data/attr.txt", "attr\n"),
        Entry::dir("etc"),
        Entry::file("etc/motd", "hello\n"),
        Entry::file("etc/old", "old\n"),
        Entry::dir("var"),
        Entry::dir("var/cache"),
        Entry::file("var/cache/a", "a\n"),
        Entry::file("var/cache/b", "b\n"),
        Entry::dir("var/lib"),
        Entry::file("var/lib/x", "x\n"),
    ])
    .unwrap();
    let markers = Layer::build(&[
        Entry::whiteout("etc/old"),
        Entry::dir("var/lib"),
        Entry::opaque("var/lib"),
        Entry::file("var/lib/y", "y\n"),
    ])
    .unwrap();
    let image = Image::builder()
        .layer(Layer::build(&base).unwrap())
        .layer(files)
        .layer(markers)
        .cmd(&["sh"])
        .env("PATH=/bin")
        .build();
    let dir = scratch.join("layout");
    let mut layout = OciLayout::create(&dir).unwrap();
    layout.add_image(&image, "busybox:base").unwrap();
    ok(home, &["import", p(&dir)]);
    "busybox:base".into()
}

/// The manifest of a named image, read from the store (an OCI layout).
pub fn manifest(home: &Path, name: &str) -> Value {
    let index: Value =
        serde_json::from_slice(&std::fs::read(home.join("index.json")).unwrap()).unwrap();
    let full = if name.contains('/') {
        name.to_string()
    } else {
        format!("docker.io/library/{name}")
    };
    let desc = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["annotations"]["org.opencontainers.image.ref.name"] == full.as_str())
        .unwrap_or_else(|| panic!("{full} is not in index.json"))
        .clone();
    blob_json(home, desc["digest"].as_str().unwrap())
}

pub fn blob_path(home: &Path, digest: &str) -> PathBuf {
    home.join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

pub fn blob_json(home: &Path, digest: &str) -> Value {
    serde_json::from_slice(&std::fs::read(blob_path(home, digest)).unwrap()).unwrap()
}

pub fn layer_digests(manifest: &Value) -> Vec<String> {
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect()
}

/// One tar entry of a layer, as a user of `tar tv` would look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarEntry {
    pub path: String,
    pub kind: char,
    pub mode: u32,
    pub link: Option<String>,
    pub xattrs: Vec<(String, Vec<u8>)>,
    pub content: Vec<u8>,
}

pub fn layer_entries(home: &Path, digest: &str) -> Vec<TarEntry> {
    use std::io::Read;
    let file = std::fs::File::open(blob_path(home, digest)).unwrap();
    let plain =
        strata_core::layer::decompress(file, &strata_core::layer::Limits::default()).unwrap();
    let mut archive = tar::Archive::new(plain);
    let mut out = Vec::new();
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let mut xattrs = Vec::new();
        if let Ok(Some(pax)) = e.pax_extensions() {
            for r in pax.flatten() {
                if let Some(name) = r.key().ok().and_then(|k| k.strip_prefix("SCHILY.xattr.")) {
                    xattrs.push((name.to_string(), r.value_bytes().to_vec()));
                }
            }
        }
        let header = e.header().clone();
        let kind = match header.entry_type() {
            tar::EntryType::Directory => 'd',
            tar::EntryType::Symlink => 'l',
            tar::EntryType::Link => 'h',
            tar::EntryType::Char => 'c',
            _ => 'f',
        };
        let mut content = Vec::new();
        e.read_to_end(&mut content).unwrap();
        out.push(TarEntry {
            path: e
                .path()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches('/')
                .to_string(),
            kind,
            mode: header.mode().unwrap() & 0o7777,
            link: e
                .link_name()
                .unwrap()
                .map(|l| l.to_string_lossy().into_owned()),
            xattrs,
            content,
        });
    }
    out
}

/// Removes every container of the store when dropped, so that no overlay stays mounted
/// over a folder the test's `TempDir` is about to delete.
pub struct Cleanup(pub PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let home = &self.0;
        if let Ok(out) = Command::new(env!("CARGO_BIN_EXE_strata"))
            .arg("--home")
            .arg(home)
            .args(["ps", "--json"])
            .output()
        {
            if let Ok(Value::Array(all)) = serde_json::from_slice::<Value>(&out.stdout) {
                for c in all {
                    if let Some(id) = c["id"].as_str() {
                        let _ = strata(home, &["rm", id]);
                    }
                }
            }
        }
        // Whatever is still mounted below the store (a test that failed half-way).
        if let Ok(mounts) = std::fs::read_to_string("/proc/self/mounts") {
            for line in mounts.lines() {
                if let Some(target) = line.split(' ').nth(1) {
                    if target.starts_with(&*home.to_string_lossy()) {
                        let _ = Command::new("umount").args(["-l", target]).status();
                    }
                }
            }
        }
    }
}
