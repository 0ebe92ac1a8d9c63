//! A malicious-layer corpus, generated here with hand-written tar headers where the `tar`
//! crate refuses to build them. For every case: nothing appears or changes outside the
//! target, the error says what is wrong, and entries before the bad one are kept (`apply`)
//! or nothing is left at all (`apply_fresh`), as `layer::apply` documents.
//!
//! Paths that would hit the host if the code were wrong point into the test's own
//! "outside" directory rather than at `/etc`: the tests run as root in CI, and a regression
//! must show up as a failed assertion, not as a clobbered `/etc/passwd`.

// Tests and benches make their fixtures with plain paths (clippy.toml is for src/).
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::PathBuf;

use strata_core::layer::{apply, apply_fresh, ApplyOptions, Limits, Whiteouts};

/// One 512-byte ustar header (plus content, padded) written by hand.
fn raw_entry(out: &mut Vec<u8>, name: &[u8], kind: u8, link: &[u8], content: &[u8]) {
    let mut h = [0u8; 512];
    let short = &name[..name.len().min(100)];
    h[..short.len()].copy_from_slice(short);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{:011o}\0", content.len()).as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = kind;
    let l = &link[..link.len().min(100)];
    h[157..157 + l.len()].copy_from_slice(l);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(content);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

fn file(out: &mut Vec<u8>, name: &str, content: &str) {
    raw_entry(out, name.as_bytes(), b'0', b"", content.as_bytes());
}

fn end(mut out: Vec<u8>) -> Vec<u8> {
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// A layer whose first entry is a valid `ok.txt`, then `bad` adds the malicious part.
fn layer(bad: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    file(&mut out, "ok.txt", "fine");
    bad(&mut out);
    end(out)
}

/// What an attack could change about a host file.
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

fn facts(p: &std::path::Path) -> Facts {
    use std::os::unix::fs::MetadataExt;
    let m = fs::symlink_metadata(p).unwrap();
    Facts {
        content: m.is_file().then(|| fs::read(p).unwrap()),
        link: m
            .file_type()
            .is_symlink()
            .then(|| fs::read_link(p).unwrap()),
        mode: m.mode(),
        uid: m.uid(),
        gid: m.gid(),
        nlink: m.nlink(),
        mtime: (m.mtime(), m.mtime_nsec()),
    }
}

struct Sandbox {
    _tmp: tempfile::TempDir,
    base: PathBuf,
    target: PathBuf,
    outside: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().join("a/b/c");
        let target = base.join("target");
        let outside = base.join("outside");
        fs::create_dir_all(&target).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("sentinel"), "untouched").unwrap();
        fs::write(tmp.path().join("a/sentinel"), "untouched").unwrap();
        Sandbox {
            base: tmp.path().to_path_buf(),
            _tmp: tmp,
            target,
            outside,
        }
    }

    /// Every path under the sandbox except the target: content, mode, owner, links,
    /// link target and mtime (existence is the key).
    fn outside_snapshot(&self) -> BTreeMap<PathBuf, Facts> {
        walkdir::WalkDir::new(&self.base)
            .into_iter()
            .filter_entry(|e| e.path() != self.target)
            .map(|e| {
                let e = e.unwrap();
                (e.path().to_path_buf(), facts(e.path()))
            })
            .collect()
    }

    /// Applies `blob`, checks nothing outside changed, returns the error text.
    fn apply_err(&self, blob: &[u8], opts: &ApplyOptions) -> String {
        let before = self.outside_snapshot();
        let passwd = fs::read("/etc/passwd").ok();
        let err = apply(blob, &self.target, opts).expect_err("the layer must be refused");
        assert_eq!(
            self.outside_snapshot(),
            before,
            "something changed outside the target"
        );
        assert_eq!(fs::read("/etc/passwd").ok(), passwd);
        // The valid entry before the bad one stays, as documented.
        assert_eq!(
            fs::read_to_string(self.target.join("ok.txt")).unwrap(),
            "fine"
        );
        err.to_string()
    }
}

fn assert_says(err: &str, words: &str) {
    assert!(err.contains(words), "error {err:?} should say {words:?}");
}

#[test]
fn dotdot_path_is_refused() {
    let s = Sandbox::new();
    let err = s.apply_err(
        &layer(|o| file(o, "../../outside/passwd", "pwned")),
        &ApplyOptions::default(),
    );
    assert_says(&err, "unsafe layer entry `../../outside/passwd`");
    assert_says(&err, "climbs out of the layer root");
}

#[test]
fn absolute_path_is_taken_from_the_target_root() {
    let s = Sandbox::new();
    let abs = s.outside.join("passwd");
    let blob = layer(|o| file(o, abs.to_str().unwrap(), "inside"));
    let before = s.outside_snapshot();
    apply(&blob[..], &s.target, &ApplyOptions::default()).unwrap();
    assert_eq!(s.outside_snapshot(), before);
    let rerooted = s.target.join(abs.strip_prefix("/").unwrap());
    assert_eq!(fs::read_to_string(rerooted).unwrap(), "inside");
}

#[test]
fn absolute_symlink_then_write_through_it_is_rerooted() {
    let s = Sandbox::new();
    let out = s.outside.to_str().unwrap().to_string();
    let before = s.outside_snapshot();
    let blob = layer(|o| {
        raw_entry(o, b"evil", b'2', out.as_bytes(), b"");
        file(o, "evil/passwd", "pwned");
    });
    apply(&blob[..], &s.target, &ApplyOptions::default()).unwrap();
    // The write lands where it would inside the container: under the target, never outside.
    assert_eq!(s.outside_snapshot(), before);
    let rerooted = s
        .target
        .join(s.outside.strip_prefix("/").unwrap())
        .join("passwd");
    assert_eq!(fs::read_to_string(rerooted).unwrap(), "pwned");
    // The symlink itself is a valid entry and stays, pointing where it says.
    assert_eq!(fs::read_link(s.target.join("evil")).unwrap(), s.outside);
}

#[test]
fn climbing_symlink_then_write_through_it_stays_inside() {
    // Container semantics: `..` stops at the root, as the kernel does inside the
    // container, so `evil/x` is the target's own `x`.
    let s = Sandbox::new();
    let before = s.outside_snapshot();
    let blob = layer(|o| {
        raw_entry(o, b"evil", b'2', b"../../..", b"");
        file(o, "evil/x", "pwned");
    });
    apply(&blob[..], &s.target, &ApplyOptions::default()).unwrap();
    assert_eq!(s.outside_snapshot(), before);
    assert_eq!(fs::read_to_string(s.target.join("x")).unwrap(), "pwned");
}

#[test]
fn symlink_inside_the_root_is_followed() {
    let s = Sandbox::new();
    let blob = layer(|o| {
        raw_entry(o, b"usr/lib/", b'5', b"", b"");
        raw_entry(o, b"lib", b'2', b"usr/lib", b"");
        file(o, "lib/libc.so", "libc");
    });
    apply(&blob[..], &s.target, &ApplyOptions::default()).unwrap();
    assert_eq!(
        fs::read_to_string(s.target.join("usr/lib/libc.so")).unwrap(),
        "libc"
    );
}

#[test]
fn hardlink_to_an_absolute_host_file() {
    let s = Sandbox::new();
    let err = s.apply_err(
        &layer(|o| raw_entry(o, b"h", b'1', b"/etc/passwd", b"")),
        &ApplyOptions::default(),
    );
    assert_says(&err, "unsafe layer entry `h`");
    assert_says(
        &err,
        "hard link target `etc/passwd` is not in the layer or below it",
    );
}

#[test]
fn hardlink_climbing_out() {
    let s = Sandbox::new();
    let err = s.apply_err(
        &layer(|o| raw_entry(o, b"h", b'1', b"../outside/sentinel", b"")),
        &ApplyOptions::default(),
    );
    assert_says(
        &err,
        "hard link target `../outside/sentinel` climbs out of the layer root",
    );
}

#[test]
fn hardlink_through_a_symlink_out() {
    let s = Sandbox::new();
    let out = s.outside.to_str().unwrap().to_string();
    let err = s.apply_err(
        &layer(|o| {
            raw_entry(o, b"evil", b'2', out.as_bytes(), b"");
            raw_entry(o, b"h", b'1', b"evil/sentinel", b"");
        }),
        &ApplyOptions::default(),
    );
    // `evil` re-roots at the target, where there is no `sentinel`: the host file is never linked.
    assert_says(&err, "unsafe layer entry `h`");
    assert_says(&err, "is not in the layer or below it");
}

#[test]
fn char_device_when_not_allowed() {
    let s = Sandbox::new();
    let err = s.apply_err(
        &layer(|o| raw_entry(o, b"dev/mem", b'3', b"", b"")),
        &ApplyOptions::default(),
    );
    assert_says(&err, "layer entry `dev/mem` is a character device");
    assert_says(&err, "not allowed");
    assert!(fs::symlink_metadata(s.target.join("dev/mem")).is_err());
}

#[test]
fn gzip_bomb_stops_at_the_cap() {
    let s = Sandbox::new();
    let mut tar = Vec::new();
    file(&mut tar, "ok.txt", "fine");
    // A 256 MiB file of zeros: a few hundred KB compressed.
    let size: u64 = 256 << 20;
    let mut header = Vec::new();
    raw_entry(&mut header, b"bomb", b'0', b"", b"");
    header[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&tar).unwrap();
    gz.write_all(&header).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        gz.write_all(&zeros).unwrap();
    }
    gz.write_all(&[0u8; 1024]).unwrap();
    let blob = gz.finish().unwrap();
    assert!(blob.len() < 1 << 20, "the bomb is small: {}", blob.len());

    let opts = ApplyOptions {
        limits: Limits {
            max_uncompressed: 16 << 20,
            ..Limits::default()
        },
        ..ApplyOptions::default()
    };
    let err = s.apply_err(&blob, &opts);
    assert_says(
        &err,
        "larger than the 16777216-byte limit once decompressed",
    );
    let written = fs::metadata(s.target.join("bomb"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(written <= 16 << 20, "wrote {written} bytes");
}

#[test]
fn truncated_tar() {
    let s = Sandbox::new();
    let mut out = Vec::new();
    file(&mut out, "ok.txt", "fine");
    file(&mut out, "big", &"x".repeat(5000));
    out.truncate(out.len() - 3000);
    let err = s.apply_err(&out, &ApplyOptions::default());
    assert_says(&err, "not a valid tar stream");
}

#[test]
fn ten_kilobyte_path() {
    let s = Sandbox::new();
    let long = format!("{}/f", "d".repeat(10 * 1024));
    let err = s.apply_err(
        &layer(|o| {
            // GNU long name: a `././@LongLink` entry of type L holding the name.
            let mut name = long.clone().into_bytes();
            name.push(0);
            raw_entry(o, b"././@LongLink", b'L', b"", &name);
            file(o, "placeholder", "x");
        }),
        &ApplyOptions::default(),
    );
    assert_says(&err, "has a path of 10242 bytes, over the 4096-byte limit");
}

#[test]
fn whiteout_of_dotdot() {
    for name in [".wh...", "sub/.wh..."] {
        let s = Sandbox::new();
        let err = s.apply_err(&layer(|o| file(o, name, "")), &ApplyOptions::default());
        assert_says(&err, "a whiteout must name a file in its own directory");
    }
}

#[test]
fn whiteout_through_a_climbing_symlink_deletes_nothing_outside() {
    let s = Sandbox::new();
    let before = s.outside_snapshot();
    let blob = layer(|o| {
        raw_entry(o, b"up", b'2', b"../outside", b"");
        file(o, "up/.wh.sentinel", "");
    });
    apply(&blob[..], &s.target, &ApplyOptions::default()).unwrap();
    assert_eq!(s.outside_snapshot(), before);
    assert_eq!(
        fs::read_to_string(s.outside.join("sentinel")).unwrap(),
        "untouched"
    );
}

#[test]
fn apply_fresh_leaves_nothing_on_failure() {
    let s = Sandbox::new();
    let fresh = s.base.join("a/b/c/fresh");
    let before = s.outside_snapshot();
    let err = apply_fresh(
        &layer(|o| file(o, "../../x", "pwned"))[..],
        &fresh,
        &ApplyOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("climbs out"), "{err}");
    assert!(!fresh.exists(), "no half-applied target");
    // The parent's mtime moves with the temporary directory made and removed in it.
    let paths = |m: BTreeMap<PathBuf, Facts>| m.into_keys().collect::<Vec<_>>();
    assert_eq!(
        paths(s.outside_snapshot()),
        paths(before),
        "no temporary directory left behind"
    );

    apply_fresh(&layer(|_| {})[..], &fresh, &ApplyOptions::default()).unwrap();
    assert_eq!(fs::read_to_string(fresh.join("ok.txt")).unwrap(), "fine");
    let again = apply_fresh(&layer(|_| {})[..], &fresh, &ApplyOptions::default()).unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
}

#[test]
fn devices_only_when_allowed_and_root() {
    let s = Sandbox::new();
    let mut out = Vec::new();
    raw_entry(&mut out, b"dev/null", b'3', b"", b"");
    let blob = end(out);
    let opts = ApplyOptions {
        allow_devices: true,
        ..ApplyOptions::default()
    };
    let result = apply(&blob[..], &s.target, &opts);
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        result.unwrap();
        use std::os::unix::fs::FileTypeExt;
        let ft = fs::symlink_metadata(s.target.join("dev/null"))
            .unwrap()
            .file_type();
        assert!(ft.is_char_device());
    } else {
        assert!(result.unwrap_err().to_string().contains("not allowed"));
    }
}

/// A directory entry with its own mode and time (as bytes, for hand-built headers).
fn dir(out: &mut Vec<u8>, name: &str, mode: &[u8; 8], mtime: &[u8; 12]) {
    let start = out.len();
    raw_entry(out, name.as_bytes(), b'5', b"", b"");
    let h = &mut out[start..start + 512];
    h[100..108].copy_from_slice(mode);
    h[136..148].copy_from_slice(mtime);
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

/// Both ways a layer is applied: into one directory holding the whole stack (baseline
/// containers, unpacks) and into its own overlay-format folder (the layer cache; overlay
/// whiteouts need root for their 0/0 device, so that mode only runs as root).
fn both_paths() -> Vec<ApplyOptions> {
    let mut out = vec![ApplyOptions::default()];
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        out.push(ApplyOptions {
            whiteouts: Whiteouts::Overlay,
            ..ApplyOptions::default()
        });
    }
    out
}

/// The attack of the deferred chmod: `a/b/` is queued for mode 04777 and an old time,
/// then a later entry replaces its parent `a` with a symlink to a host folder that also
/// has a `b`. Applied at the end by path, the chmod would follow the symlink and make
/// the host's `b` setuid and world-writable.
#[test]
fn deferred_dir_mode_and_time_never_follow_a_replaced_parent() {
    for opts in both_paths() {
        for link in ["absolute", "relative"] {
            let s = Sandbox::new();
            fs::create_dir(s.outside.join("b")).unwrap();
            let before = s.outside_snapshot();
            let target: Vec<u8> = match link {
                "absolute" => s.outside.to_str().unwrap().as_bytes().to_vec(),
                _ => b"../outside".to_vec(),
            };
            let blob = layer(|o| {
                dir(o, "a/", b"0000755\0", b"00000000001\0");
                dir(o, "a/b/", b"0004777\0", b"00000000001\0");
                file(o, "a/b/f", "x");
                raw_entry(o, b"a", b'2', &target, b"");
            });
            apply(&blob[..], &s.target, &opts).unwrap();
            assert_eq!(
                s.outside_snapshot(),
                before,
                "{link} symlink, {:?}: something changed outside the target",
                opts.whiteouts
            );
            use std::os::unix::fs::PermissionsExt;
            let b = fs::metadata(s.outside.join("b")).unwrap();
            assert_eq!(b.permissions().mode() & 0o7777, 0o755, "{link}");
            assert!(fs::symlink_metadata(s.target.join("a"))
                .unwrap()
                .is_symlink());
        }
    }
}

/// A directory replaced by a later entry of the same layer keeps no stale mode: the mode
/// queued for the first `d/` is not applied to the file (or other directory) now there.
#[test]
fn deferred_dir_mode_skips_a_path_replaced_later() {
    for opts in both_paths() {
        let s = Sandbox::new();
        let blob = layer(|o| {
            dir(o, "d/", b"0000700\0", b"00000000001\0");
            file(o, "d", "now a file");
        });
        apply(&blob[..], &s.target, &opts).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let m = fs::symlink_metadata(s.target.join("d")).unwrap();
        assert!(m.is_file());
        assert_eq!(m.permissions().mode() & 0o7777, 0o644);
    }
}

/// FIFOs in a layer are created as FIFOs (never opened); devices only when allowed.
#[test]
fn fifo_and_device_entries() {
    use std::os::unix::fs::FileTypeExt;
    for opts in both_paths() {
        let s = Sandbox::new();
        let mut out = Vec::new();
        raw_entry(&mut out, b"run/pipe", b'6', b"", b"");
        apply(&end(out)[..], &s.target, &opts).unwrap();
        let ft = fs::symlink_metadata(s.target.join("run/pipe"))
            .unwrap()
            .file_type();
        assert!(ft.is_fifo());

        let err = s.apply_err(&layer(|o| raw_entry(o, b"dev/sda", b'4', b"", b"")), &opts);
        assert_says(&err, "layer entry `dev/sda` is a block device");
        assert!(fs::symlink_metadata(s.target.join("dev/sda")).is_err());
    }
}
