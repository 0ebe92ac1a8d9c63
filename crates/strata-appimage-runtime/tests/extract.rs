//! The extractor on real squashfs images made by Debian's mksquashfs (squashfs-tools), and on
//! hostile ones: mksquashfs cannot make a `..` entry or two entries of one name, so those are
//! made by rewriting names in an uncompressed image (-noI -noD -noF -noX: directory entries are
//! stored as they are), as an attacker would.

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use strata_appimage_runtime::{extract, Extracted};

fn mksquashfs(tree: &Path, image: &Path, uncompressed: bool) {
    let mut cmd = Command::new("mksquashfs");
    cmd.arg(tree).arg(image).args([
        "-noappend",
        "-all-root",
        "-no-xattrs",
        "-quiet",
        "-no-progress",
    ]);
    if uncompressed {
        cmd.args(["-noI", "-noD", "-noF", "-noX"]);
    } else {
        cmd.args(["-comp", "zstd"]);
    }
    let out = cmd
        .output()
        .expect("mksquashfs (Debian package squashfs-tools)");
    assert!(
        out.status.success(),
        "mksquashfs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Rewrites the one occurrence of `from` in `image` to `to` (same length).
fn rename_in_image(image: &Path, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut bytes = fs::read(image).unwrap();
    let at: Vec<usize> = bytes
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        at.len(),
        1,
        "{} occurs {} times",
        String::from_utf8_lossy(from),
        at.len()
    );
    bytes[at[0]..at[0] + to.len()].copy_from_slice(to);
    fs::write(image, bytes).unwrap();
}

/// An image after `junk` bytes, as in an AppImage.
fn at_offset(image: &Path, junk: usize) -> u64 {
    let mut bytes = vec![0x7fu8; junk];
    bytes.extend(fs::read(image).unwrap());
    fs::write(image, bytes).unwrap();
    junk as u64
}

#[test]
fn extracts_a_tree_with_its_links_and_modes_and_drops_set_id_bits() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    fs::create_dir_all(tree.join("usr/bin")).unwrap();
    fs::create_dir_all(tree.join("ro")).unwrap();
    fs::write(tree.join("usr/bin/tool"), b"#!/bin/sh\necho hi\n").unwrap();
    fs::set_permissions(
        tree.join("usr/bin/tool"),
        fs::Permissions::from_mode(0o4755),
    )
    .unwrap();
    fs::write(tree.join("ro/data"), vec![7u8; 300_000]).unwrap();
    fs::set_permissions(tree.join("ro"), fs::Permissions::from_mode(0o555)).unwrap();
    symlink("usr/bin/tool", tree.join("AppRun")).unwrap();
    symlink("/usr/share", tree.join("host-share")).unwrap();
    let image = tmp.path().join("image");
    mksquashfs(&tree, &image, false);
    let offset = at_offset(&image, 4096);

    let dest = tmp.path().join("out");
    let made = extract(&image, offset, &dest).unwrap();
    assert_eq!(
        made,
        Extracted {
            dirs: 3,
            files: 2,
            symlinks: 2,
            bytes: 300_018
        }
    );
    assert_eq!(
        fs::read(dest.join("AppRun")).unwrap(),
        b"#!/bin/sh\necho hi\n"
    );
    assert_eq!(
        fs::read_link(dest.join("host-share")).unwrap(),
        Path::new("/usr/share")
    );
    assert_eq!(
        fs::metadata(dest.join("usr/bin/tool")).unwrap().mode() & 0o7777,
        0o755
    );
    assert_eq!(
        fs::metadata(dest.join("ro")).unwrap().mode() & 0o777,
        0o755,
        "u+w kept on directories"
    );
    assert_eq!(fs::metadata(&dest).unwrap().mode() & 0o777, 0o755);
    assert_eq!(fs::read(dest.join("ro/data")).unwrap().len(), 300_000);
    // never into a folder that exists
    assert!(extract(&image, offset, &dest).is_err());
}

#[test]
fn a_dotdot_entry_is_refused_and_nothing_lands_outside() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    fs::create_dir_all(tree.join("Q~")).unwrap();
    fs::write(tree.join("Q~/pwned-by-dotdot"), b"outside").unwrap();
    fs::write(tree.join("fine"), b"inside").unwrap();
    let image = tmp.path().join("image");
    mksquashfs(&tree, &image, true);
    rename_in_image(&image, b"Q~", b"..");

    let dest = tmp.path().join("sub/out");
    fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let err = extract(&image, 0, &dest).unwrap_err();
    eprintln!("refused: {err}");
    assert!(!tmp.path().join("sub/pwned-by-dotdot").exists());
    assert!(!tmp.path().join("pwned-by-dotdot").exists());
}

#[test]
fn a_file_through_an_absolute_symlink_is_refused_and_the_target_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let tree = tmp.path().join("tree");
    fs::create_dir_all(tree.join("lnkq8")).unwrap();
    fs::write(tree.join("lnkq8/evil"), b"written through a link").unwrap();
    symlink(&outside, tree.join("lnkq7")).unwrap();
    let image = tmp.path().join("image");
    mksquashfs(&tree, &image, true);
    // now the image holds a symlink `lnkq7` -> outside, and a directory `lnkq7` with `evil`
    rename_in_image(&image, b"lnkq8", b"lnkq7");

    let dest = tmp.path().join("out");
    let err = extract(&image, 0, &dest).unwrap_err();
    eprintln!("refused: {err}");
    assert_eq!(
        fs::read_dir(&outside).unwrap().count(),
        0,
        "nothing was written through the link"
    );
}

#[test]
fn garbage_is_not_a_squashfs() {
    let tmp = tempfile::tempdir().unwrap();
    let image = tmp.path().join("image");
    fs::write(&image, vec![0x55u8; 100_000]).unwrap();
    assert!(extract(&image, 0, &tmp.path().join("out")).is_err());
    assert!(!tmp.path().join("out").exists());
}
