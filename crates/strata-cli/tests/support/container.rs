//! What only the `container_*` tests need: a temporary store that removes its containers
//! (and so their overlay mounts) before it goes, a busybox image built here
//! (busybox-static from the host, in generated layers), and a layer's tar read back entry
//! by entry.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use strata_testkit::fixtures::{Entry, Image, Layer};
use tempfile::TempDir;

use super::{blob_path, import_image, need, scratch, strata_cmd};

/// Running a container needs runc, and root.
pub fn need_runc() {
    need_root();
    need("runc");
}

/// Containers run with runc and mount overlayfs: the tests need root.
pub fn need_root() {
    // SAFETY: geteuid cannot fail and touches no memory.
    let root = unsafe { libc::geteuid() } == 0;
    assert!(
        root,
        "these tests run containers with runc and mount overlayfs: run them as root"
    );
}

/// A busybox image of three layers, imported into `home` as `busybox:base`:
/// 1. busybox-static and its applets, `/etc/passwd`, the usual empty folders;
/// 2. files the tests change: `/etc/motd`, `/etc/old`, `/var/cache/{a,b}`, `/var/lib/x`,
///    `/data/{orig,mode.txt,attr.txt}`;
/// 3. a whiteout (`/etc/old`) and an opaque `/var/lib` holding only `y`, so that the
///    layer cache's overlay markers are exercised.
///
/// Without `/proc`, `/sys` and `/dev` unless `mount_points`.
fn busybox_image(home: &Path, scratch: &Path, mount_points: bool) -> String {
    let host_busybox = need("busybox");
    let busybox = std::fs::read(&host_busybox).expect("read the host's busybox");
    let list = Command::new(&host_busybox)
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
    import_image(home, &scratch.join("layout"), &image, "busybox:base");
    "busybox:base".into()
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

/// A store in a temporary folder of its own. Dropping it removes every container of the
/// store first, so that no overlay stays mounted over a folder about to be deleted.
pub struct ContainerStore {
    pub home: PathBuf,
    dir: TempDir,
}

impl ContainerStore {
    /// An empty store.
    pub fn empty() -> Self {
        let (dir, home) = scratch();
        Self { home, dir }
    }

    /// A store holding the busybox image (see [`busybox_image`]); returns its name too.
    pub fn with_busybox() -> (Self, String) {
        let store = Self::empty();
        let base = busybox_image(&store.home, store.scratch(), true);
        (store, base)
    }

    /// As [`ContainerStore::with_busybox`], the image without `/proc`, `/sys` or `/dev`.
    pub fn with_bare_busybox() -> (Self, String) {
        let store = Self::empty();
        let base = busybox_image(&store.home, store.scratch(), false);
        (store, base)
    }

    /// The folder around the store, for the test's own files.
    pub fn scratch(&self) -> &Path {
        self.dir.path()
    }

    /// The merged root of a container, from what `strata create --json` printed.
    pub fn rootfs(&self, created: &Value) -> PathBuf {
        let id = created["id"].as_str().expect("the container's id");
        self.home.join("containers").join(id).join("rootfs")
    }
}

impl Drop for ContainerStore {
    fn drop(&mut self) {
        let home = &self.home;
        // Never a panic here: this may run while a failed test unwinds.
        if let Ok(out) = strata_cmd(home, &["ps", "--json"]).output() {
            if let Ok(Value::Array(all)) = serde_json::from_slice::<Value>(&out.stdout) {
                for c in all {
                    if let Some(id) = c["id"].as_str() {
                        let _ = strata_cmd(home, &["rm", id]).output();
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
