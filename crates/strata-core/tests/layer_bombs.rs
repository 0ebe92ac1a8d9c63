//! Layers that are small as tar but huge once unpacked: GNU sparse entries whose map claims
//! gigabytes of holes, and layers of very many entries. Each must fail with an error that
//! names the limit, before the damage: `apply_fresh` leaves no target (and no temporary
//! directory), `MergedTree::build` reads no further.
//!
//! The sparse headers are written by hand (the GNU format, type `S`), so that the test
//! checks the bytes a hostile layer would hold rather than what a tar library would write.

// The test looks at its own temporary folders directly; the trust-boundary lint
// (crates/strata-core/clippy.toml) is for the engine's code.
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::Path;

use strata_core::layer::{apply_fresh, read_file, ApplyOptions, LayerError, Limits, MergedTree};

const GIB: u64 = 1 << 30;

/// A tar numeric field: octal when it fits, else GNU base-256 (high bit set, big-endian).
fn number(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    if value < 1 << (3 * digits) {
        let text = format!("{value:0digits$o}\0");
        field.copy_from_slice(text.as_bytes());
    } else {
        field.fill(0);
        field[0] = 0x80;
        let len = field.len();
        field[len - 8..].copy_from_slice(&value.to_be_bytes());
    }
}

/// One GNU header of type `kind` for `name`, holding `size` bytes, with `sparse` as its map
/// of (offset, length) chunks (at most four) and `real` as its real size; checksummed.
fn gnu_header(name: &str, kind: u8, size: u64, sparse: &[(u64, u64)], real: u64) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    number(&mut h[100..108], 0o644);
    number(&mut h[108..116], 0);
    number(&mut h[116..124], 0);
    number(&mut h[124..136], size);
    number(&mut h[136..148], 1_700_000_000);
    h[156] = kind;
    h[257..265].copy_from_slice(b"ustar  \0");
    for (i, (offset, len)) in sparse.iter().enumerate() {
        let at = 386 + 24 * i;
        number(&mut h[at..at + 12], *offset);
        number(&mut h[at + 12..at + 24], *len);
    }
    if kind == b'S' {
        number(&mut h[483..495], real);
    }
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

/// Appends a sparse entry: its header, then its chunks' data (`fill` bytes), padded.
fn sparse(out: &mut Vec<u8>, name: &str, chunks: &[(u64, u64)], real: u64, fill: u8) {
    let data: u64 = chunks.iter().map(|c| c.1).sum();
    out.extend_from_slice(&gnu_header(name, b'S', data, chunks, real));
    out.resize(out.len() + data as usize, fill);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

/// Appends an empty regular file.
fn empty_file(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(&gnu_header(name, b'0', 0, &[], 0));
}

fn end(mut out: Vec<u8>) -> Vec<u8> {
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// A sparse entry of `real` bytes that stores only its last 5.
fn sparse_bomb(real: u64) -> Vec<u8> {
    let mut out = Vec::new();
    sparse(&mut out, "zeros", &[(real - 5, 5)], real, b'x');
    end(out)
}

fn limits(max_uncompressed: u64) -> Limits {
    Limits {
        max_uncompressed,
        ..Limits::default()
    }
}

/// Applies `blob` with `apply_fresh` into a new folder and expects a refusal that leaves
/// nothing behind: no target, no temporary sibling.
fn refused_by_apply(blob: &[u8], limits: Limits) -> LayerError {
    let base = tempfile::tempdir().unwrap();
    let target = base.path().join("layer");
    let opts = ApplyOptions {
        limits,
        ..ApplyOptions::default()
    };
    let err = match apply_fresh(blob, &target, &opts) {
        Ok(stats) => panic!("the layer was applied: {stats:?}"),
        Err(e) => e,
    };
    assert!(!target.exists(), "{} was left behind", target.display());
    assert_empty(base.path());
    err
}

fn assert_empty(dir: &Path) {
    let left: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

fn refused_by_merged_tree(blob: &[u8], limits: Limits) -> LayerError {
    match MergedTree::build([blob], &limits) {
        Ok(tree) => panic!("the layer was read: {:?}", tree.get("zeros")),
        Err(e) => e,
    }
}

#[test]
fn a_sparse_entry_claiming_8_gib_is_refused_by_the_merged_tree() {
    let blob = sparse_bomb(8 * GIB);
    assert!(blob.len() <= 2048, "the bomb is small: {}", blob.len());
    let err = refused_by_merged_tree(&blob, limits(GIB));
    assert!(
        matches!(err, LayerError::SparseTooLarge { real, limit } if real == 8 * GIB && limit == GIB),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("expands to 8589934592 bytes")
            && message.contains("the 1073741824-byte limit"),
        "{message}"
    );
}

#[test]
fn apply_fresh_refuses_a_sparse_bomb_and_leaves_nothing() {
    // 64 MiB of holes against a 1 MiB limit: refused before one zero is written.
    let err = refused_by_apply(&sparse_bomb(64 << 20), limits(1 << 20));
    assert!(
        matches!(err, LayerError::SparseTooLarge { real, .. } if real == 64 << 20),
        "{err}"
    );
    assert!(err.to_string().contains("1048576-byte limit"), "{err}");
}

#[test]
fn the_holes_of_all_sparse_entries_add_up() {
    // Three entries of 512 KiB each, each under a 1 MiB limit, together over it.
    let mut out = Vec::new();
    for name in ["a", "b", "c"] {
        sparse(&mut out, name, &[((512 << 10) - 5, 5)], 512 << 10, b'x');
    }
    let blob = end(out);
    let err = refused_by_apply(&blob, limits(1 << 20));
    assert!(matches!(err, LayerError::SparseTooLarge { .. }), "{err}");
    let err = refused_by_merged_tree(&blob, limits(1 << 20));
    assert!(matches!(err, LayerError::SparseTooLarge { .. }), "{err}");
}

#[test]
fn an_honest_sparse_file_applies_with_its_holes() {
    // 512 bytes of `a`, a hole, then `end` at 4096: 4099 bytes stored in 515.
    let mut out = Vec::new();
    sparse(&mut out, "zeros", &[(0, 512), (4096, 3)], 4099, b'a');
    // The data follows the 512-byte header: the second chunk is its bytes 512..515.
    out[1024..1027].copy_from_slice(b"end");
    let blob = end(out);
    let mut want = vec![b'a'; 512];
    want.resize(4096, 0);
    want.extend_from_slice(b"end");

    let base = tempfile::tempdir().unwrap();
    let target = base.path().join("layer");
    let stats = apply_fresh(&blob[..], &target, &ApplyOptions::default()).unwrap();
    assert_eq!(stats.files, 1);
    assert_eq!(fs::read(target.join("zeros")).unwrap(), want);

    let tree = MergedTree::build([&blob[..]], &Limits::default()).unwrap();
    assert_eq!(tree.get("zeros").map(|n| n.size), Some(4099));
    let mut got = Vec::new();
    read_file(
        &tree,
        "zeros",
        |_| Ok(&blob[..]),
        &Limits::default(),
        &mut got,
    )
    .unwrap();
    assert_eq!(got, want);
}

#[test]
fn an_entry_count_bomb_is_refused() {
    let many = |n: usize| {
        let mut out = Vec::new();
        for i in 0..n {
            empty_file(&mut out, &format!("f{i}"));
        }
        end(out)
    };
    let cap = Limits {
        max_entries: 1000,
        ..Limits::default()
    };
    let err = refused_by_apply(&many(1001), cap);
    assert!(
        matches!(err, LayerError::TooManyEntries { limit: 1000 }),
        "{err}"
    );
    assert!(err.to_string().contains("more than 1000 entries"), "{err}");
    let err = refused_by_merged_tree(&many(1001), cap);
    assert!(
        matches!(err, LayerError::TooManyEntries { limit: 1000 }),
        "{err}"
    );

    // At the cap, the layer applies.
    let base = tempfile::tempdir().unwrap();
    let target = base.path().join("layer");
    let opts = ApplyOptions {
        limits: cap,
        ..ApplyOptions::default()
    };
    let stats = apply_fresh(&many(1000)[..], &target, &opts).unwrap();
    assert_eq!(stats.files, 1000);
}
