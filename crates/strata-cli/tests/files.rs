//! `strata files` through the binary, on a three-layer
//! image generated here and imported from an OCI layout. Layers count from 0:
//!
//! - L0 adds `etc/{motd,old,gone}`, `opt/{a,b}`;
//! - L1 changes `etc/motd`, whites out `etc/old` and `etc/gone`, adds `srv/data`;
//! - L2 makes `opt` opaque, adds `opt/c`, and re-adds `etc/old`.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use strata_testkit::fixtures::{Entry, Image, Layer};
use support::*;

const NAME: &str = "example.com/files:v1";

/// A store holding the three-layer image; returns the image for its layer digests.
fn setup(tmp: &Path) -> (PathBuf, Image) {
    let l0 = Layer::build(&[
        Entry::dir("etc"),
        Entry::file("etc/motd", "hello\n"),
        Entry::file("etc/old", "old\n"),
        Entry::file("etc/gone", "gone for good\n"),
        Entry::dir("opt"),
        Entry::file("opt/a", "a"),
        Entry::file("opt/b", "b"),
    ])
    .unwrap();
    let l1 = Layer::build(&[
        Entry::file("etc/motd", "changed in layer 1\n"),
        Entry::whiteout("etc/old"),
        Entry::whiteout("etc/gone"),
        Entry::dir("srv"),
        Entry::file("srv/data", "data!"),
    ])
    .unwrap();
    let l2 = Layer::build(&[
        Entry::opaque("opt"),
        Entry::file("opt/c", "c from layer 2"),
        Entry::file("etc/old", "back again\n"),
    ])
    .unwrap();
    let image = Image::builder().layer(l0).layer(l1).layer(l2).build();
    let home = tmp.join("home");
    import_image(&home, &tmp.join("layout"), &image, NAME);
    (home, image)
}

/// path → (layer, deleted?) of a `--json` listing.
fn origins(listing: &Value) -> Vec<(String, u64, bool)> {
    listing["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["layer"].as_u64().unwrap(),
                e.get("deleted").is_some(),
            )
        })
        .collect()
}

fn row(path: &str, layer: u64, deleted: bool) -> (String, u64, bool) {
    (path.to_string(), layer, deleted)
}

/// The text line for `path` (paths end each line, before any annotation).
fn line_of<'a>(text: &'a str, path: &str) -> Option<&'a str> {
    text.lines().find(|l| {
        l.split_whitespace()
            .position(|w| w == path)
            .is_some_and(|i| i >= 6)
    })
}

#[test]
fn the_merged_tree_names_the_layer_of_every_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, image) = setup(tmp.path());

    let listing = json(&home, &["files", NAME, "-r", "--json"]);
    assert_eq!(listing["layer"], 2);
    assert_eq!(listing["layer_count"], 3);
    assert_eq!(
        origins(&listing),
        [
            row("/etc", 0, false),
            row("/etc/motd", 1, false),
            row("/etc/old", 2, false),
            row("/opt", 0, false),
            row("/opt/c", 2, false),
            row("/srv", 1, false),
            row("/srv/data", 1, false),
        ]
    );
    let motd = &listing["entries"][1];
    assert_eq!(motd["size"], "changed in layer 1\n".len());
    assert_eq!(motd["kind"], "file");
    assert_eq!(motd["layer_digest"], image.layers[1].digest.as_str());

    // Text: one `ls -l`-like line per child of the folder, with `L<n> sha256:<short>`.
    let text = ok(&home, &["files", NAME, "/etc"]);
    assert_eq!(text.lines().count(), 2, "{text}");
    let short1 = &image.layers[1].digest[..19];
    let motd = line_of(&text, "/etc/motd").expect("motd listed");
    assert!(motd.starts_with("-rw-r--r--"), "{motd}");
    assert!(motd.contains(&format!("L1 {short1}")), "{motd}");
    assert!(motd.contains(" 19 "), "size shown: {motd}");
    let old = line_of(&text, "/etc/old").expect("old listed");
    assert!(
        old.contains(&format!("L2 {}", &image.layers[2].digest[..19])),
        "{old}"
    );
}

#[test]
fn deleted_entries_show_with_the_layer_that_deleted_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, image) = setup(tmp.path());

    // Without --deleted, no trace of the whiteouts.
    let plain = ok(&home, &["files", NAME, "/etc"]);
    assert!(!plain.contains("/etc/gone"), "{plain}");

    let listing = json(&home, &["files", NAME, "/etc", "--deleted", "--json"]);
    assert_eq!(
        origins(&listing),
        [
            row("/etc/gone", 1, true),
            row("/etc/motd", 1, false),
            // Re-added by layer 2: no longer deleted.
            row("/etc/old", 2, false),
        ]
    );
    assert_eq!(listing["entries"][0]["deleted"]["kind"], "whiteout");

    let text = ok(&home, &["files", NAME, "/etc", "--deleted"]);
    let gone = line_of(&text, "/etc/gone").expect("the whiteout is listed");
    assert!(gone.starts_with('D'), "{gone}");
    assert!(
        gone.contains(&format!("L1 {}", &image.layers[1].digest[..19])),
        "{gone}"
    );

    // The opaque directory says which layer hid its lower contents.
    let root = json(&home, &["files", NAME, "--deleted", "--json"]);
    let opt = root["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/opt")
        .expect("/opt listed");
    assert_eq!(opt["opaque"]["layer"], 2);
    assert_eq!(opt["opaque"]["removed"], 2, "opt/a and opt/b hidden");
    let text = ok(&home, &["files", NAME, "--deleted"]);
    assert!(
        line_of(&text, "/opt").is_some_and(|l| l.contains("opaque: layer 2")),
        "{text}"
    );
}

#[test]
fn an_older_layer_shows_the_older_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, _) = setup(tmp.path());

    let at1 = json(
        &home,
        &["files", NAME, "-r", "--deleted", "--layer", "1", "--json"],
    );
    assert_eq!(at1["layer"], 1);
    assert_eq!(
        origins(&at1),
        [
            row("/etc", 0, false),
            row("/etc/gone", 1, true),
            row("/etc/motd", 1, false),
            row("/etc/old", 1, true),
            row("/opt", 0, false),
            row("/opt/a", 0, false),
            row("/opt/b", 0, false),
            row("/srv", 1, false),
            row("/srv/data", 1, false),
        ]
    );
    let at0 = json(&home, &["files", NAME, "/etc", "--layer", "0", "--json"]);
    let paths: Vec<_> = origins(&at0).into_iter().map(|r| r.0).collect();
    assert_eq!(paths, ["/etc/gone", "/etc/motd", "/etc/old"]);
}

#[test]
fn changes_of_a_layer_are_added_changed_deleted_or_opaque() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, _) = setup(tmp.path());

    let text = ok(&home, &["files", NAME, "--changes", "--layer", "1"]);
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines,
        [
            vec!["C", "file", "19", "/etc/motd"],
            vec!["D", "file", "4", "/etc/old"],
            vec!["D", "file", "14", "/etc/gone"],
            vec!["A", "directory", "-", "/srv"],
            vec!["A", "file", "5", "/srv/data"],
        ]
    );

    let top = json(
        &home,
        &["files", NAME, "--changes", "--layer", "2", "--json"],
    );
    let got = pluck_pairs(&top["changes"], "change", "path");
    let want = [("opaque", "opt"), ("added", "opt/c"), ("added", "etc/old")];
    assert_eq!(
        got,
        want.map(|(c, p)| (c.to_string(), p.to_string())).to_vec()
    );

    let bottom = ok(&home, &["files", NAME, "--changes", "--layer", "0"]);
    assert!(bottom.lines().all(|l| l.starts_with("A ")), "{bottom}");
    assert_eq!(bottom.lines().count(), 7, "{bottom}");
}

#[test]
fn cat_streams_the_upper_layers_content() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, _) = setup(tmp.path());

    assert_eq!(
        ok(&home, &["files", NAME, "--cat", "/etc/motd"]),
        "changed in layer 1\n"
    );
    assert_eq!(
        ok(&home, &["files", NAME, "--cat", "etc/old"]),
        "back again\n"
    );
    assert_eq!(
        ok(
            &home,
            &["files", NAME, "--cat", "/etc/motd", "--layer", "0"]
        ),
        "hello\n"
    );
}

#[test]
fn mistakes_get_one_clear_error_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, _) = setup(tmp.path());

    let e = error_line(&home, &["files", NAME, "/nope"]);
    assert!(e.contains("`/nope` is not in the image's files"), "{e}");

    let e = error_line(&home, &["files", NAME, "--layer", "3"]);
    assert!(
        e.contains("3 layer(s), numbered 0 to 2; there is no layer 3"),
        "{e}"
    );

    let e = error_line(&home, &["files", NAME, "--cat", "/etc"]);
    assert!(
        e.contains("`/etc` is a directory, not a regular file"),
        "{e}"
    );

    let e = error_line(&home, &["files", NAME, "--cat", "/etc/gone"]);
    assert!(e.contains("layer 1 deleted it"), "{e}");

    let e = error_line(&home, &["files", "example.com/missing:v1"]);
    assert!(e.contains("missing"), "{e}");

    // --changes needs a layer.
    let err = fails(&home, &["files", NAME, "--changes"]);
    assert!(err.contains("--layer"));
}
