use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::symlink;
use std::path::Path;

use super::*;

/// Every test runs against both resolvers: the kernel's openat2 and the component walk.
fn roots(dir: &Path) -> [Root; 2] {
    [
        Root::open(dir).unwrap(),
        Root::open(dir).unwrap().walk_only(),
    ]
}

fn tree() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(root.join("etc/passwd"), "inside").unwrap();
    fs::write(outside.join("passwd"), "outside").unwrap();
    symlink(&outside, root.join("abs")).unwrap();
    symlink("../../../../etc", root.join("up")).unwrap();
    symlink("/etc", root.join("etc-link")).unwrap();
    (tmp, root, outside)
}

fn read(root: &Root, p: &str) -> io::Result<String> {
    let mut s = String::new();
    root.open_regular(Path::new(p), Follow::Yes)?
        .read_to_string(&mut s)?;
    Ok(s)
}

#[test]
fn symlinks_and_dotdot_stay_inside() {
    let (_tmp, dir, outside) = tree();
    for root in roots(&dir) {
        assert_eq!(read(&root, "/etc-link/passwd").unwrap(), "inside");
        assert_eq!(read(&root, "../../etc/passwd").unwrap(), "inside");
        assert_eq!(read(&root, "up/passwd").unwrap(), "inside");
        // `abs` points at the host's `outside`: inside the root that path does not exist.
        let e = read(&root, "abs/passwd").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT), "{e}");
        // Writing through it creates inside the root, never outside.
        let p = root.parent_create(Path::new("abs/new"), 0o755, &mut |_| {});
        let p = p.unwrap();
        p.create_new(0o644).unwrap().write_all(b"x").unwrap();
        assert!(dir
            .join(outside.strip_prefix("/").unwrap())
            .join("new")
            .exists());
        assert!(!outside.join("new").exists());
        fs::remove_dir_all(
            dir.join(
                outside
                    .strip_prefix("/")
                    .unwrap()
                    .components()
                    .next()
                    .unwrap(),
            ),
        )
        .unwrap();
    }
    assert_eq!(
        fs::read_to_string(outside.join("passwd")).unwrap(),
        "outside"
    );
}

#[test]
fn symlink_loops_fail_with_eloop() {
    let tmp = tempfile::tempdir().unwrap();
    symlink("b", tmp.path().join("a")).unwrap();
    symlink("a", tmp.path().join("b")).unwrap();
    for root in roots(tmp.path()) {
        let e = root.handle(Path::new("a/x"), Follow::Yes).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ELOOP), "{e}");
    }
}

#[test]
fn the_last_component_is_not_followed_when_asked() {
    let (_tmp, dir, _outside) = tree();
    for root in roots(&dir) {
        let m = root.stat(Path::new("/etc-link"), Follow::No).unwrap();
        assert_eq!(m.kind, Kind::Symlink);
        let m = root.stat(Path::new("/etc-link"), Follow::Yes).unwrap();
        assert_eq!(m.kind, Kind::Dir);
        assert_eq!(
            root.read_link(Path::new("etc-link")).unwrap(),
            Path::new("/etc")
        );
    }
}

#[test]
fn the_root_and_dotdot_have_no_parent() {
    let (_tmp, dir, _outside) = tree();
    let root = Root::open(&dir).unwrap();
    for p in ["/", "", "etc/..", "."] {
        assert!(root.parent(Path::new(p)).is_err(), "{p}");
    }
}

#[test]
fn only_regular_files_are_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    symlink("fifo", tmp.path().join("to-fifo")).unwrap();
    fs::create_dir(tmp.path().join("d")).unwrap();
    for root in roots(tmp.path()) {
        for (p, words) in [("fifo", "FIFO"), ("to-fifo", "FIFO"), ("d", "folder")] {
            let e = root.open_regular(Path::new(p), Follow::Yes).unwrap_err();
            assert!(e.to_string().contains(words), "{p}: {e}");
            let e = root
                .parent(Path::new(p))
                .unwrap()
                .write_regular(0o644)
                .unwrap_err();
            assert!(
                e.to_string().contains(words) || e.to_string().contains("symlink"),
                "{p}: {e}"
            );
        }
    }
}

#[test]
fn write_regular_creates_or_truncates() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Root::open(tmp.path()).unwrap();
    let p = root.parent(Path::new("/f")).unwrap();
    let (mut f, created) = p.write_regular(0o600).unwrap();
    assert!(created);
    f.write_all(b"long content").unwrap();
    let (mut f, created) = p.write_regular(0o600).unwrap();
    assert!(!created);
    f.write_all(b"short").unwrap();
    assert_eq!(fs::read_to_string(tmp.path().join("f")).unwrap(), "short");
}

#[test]
fn remove_all_does_not_follow_symlinks() {
    let (_tmp, dir, outside) = tree();
    fs::create_dir_all(dir.join("srv/sub")).unwrap();
    symlink(&outside, dir.join("srv/sub/host")).unwrap();
    let root = Root::open(&dir).unwrap();
    root.parent(Path::new("srv")).unwrap().remove_all().unwrap();
    assert!(!dir.join("srv").exists());
    assert_eq!(
        fs::read_to_string(outside.join("passwd")).unwrap(),
        "outside"
    );
    // Through a symlinked parent, the name removed is inside the root.
    root.parent(Path::new("etc-link/passwd"))
        .unwrap()
        .remove_all()
        .unwrap();
    assert!(!dir.join("etc/passwd").exists());
}

#[test]
fn metadata_goes_through_the_handle() {
    let (_tmp, dir, outside) = tree();
    let root = Root::open(&dir).unwrap();
    let h = root.handle(Path::new("etc"), Follow::No).unwrap();
    // The name is swapped for a symlink to a host folder after the handle was taken:
    // the mode still lands on the directory that was opened.
    fs::rename(dir.join("etc"), dir.join("etc.old")).unwrap();
    symlink(&outside, dir.join("etc")).unwrap();
    h.set_mode(0o700).unwrap();
    h.set_times(1_000_000, 0).unwrap();
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(dir.join("etc.old")).unwrap();
    assert_eq!(m.mode() & 0o7777, 0o700);
    assert_eq!(m.mtime(), 1_000_000);
    assert_ne!(fs::metadata(&outside).unwrap().mode() & 0o7777, 0o700);
}

#[test]
fn read_dir_lists_without_following() {
    let (_tmp, dir, _outside) = tree();
    for root in roots(&dir) {
        let names: Vec<(String, Kind)> = root
            .read_dir(Path::new("/"), Follow::Yes)
            .unwrap()
            .into_iter()
            .map(|(n, m)| (n.to_string_lossy().into_owned(), m.kind))
            .collect();
        assert_eq!(
            names,
            vec![
                ("abs".into(), Kind::Symlink),
                ("etc".into(), Kind::Dir),
                ("etc-link".into(), Kind::Symlink),
                ("up".into(), Kind::Symlink),
            ]
        );
    }
}

/// The modules that touch untrusted trees keep clippy's `disallowed_methods` on (its list
/// in clippy.toml: every `std::fs` call that takes a path), so that `make lint` fails on a
/// path string handed to the kernel there.
#[test]
fn trust_boundary_modules_keep_the_path_lint_on() {
    let modules = [
        ("fs.rs", include_str!("../fs.rs")),
        ("fs/walk.rs", include_str!("walk.rs")),
        ("fs/handle.rs", include_str!("handle.rs")),
        ("layer/apply.rs", include_str!("../layer/apply.rs")),
        ("layer/write.rs", include_str!("../layer/write.rs")),
        ("container/files.rs", include_str!("../container/files.rs")),
        ("container/diff.rs", include_str!("../container/diff.rs")),
        (
            "container/baseline.rs",
            include_str!("../container/baseline.rs"),
        ),
        (
            "container/commit.rs",
            include_str!("../container/commit.rs"),
        ),
    ];
    for (name, text) in modules {
        assert!(
            text.contains("#![warn(clippy::disallowed_methods)]"),
            "{name} must keep #![warn(clippy::disallowed_methods)]"
        );
    }
    let config = include_str!("../../clippy.toml");
    for call in [
        "std::fs::File::open",
        "std::fs::set_permissions",
        "walkdir::WalkDir::new",
    ] {
        assert!(
            config.contains(&format!("\"{call}\"")),
            "clippy.toml lost {call}"
        );
    }
}
