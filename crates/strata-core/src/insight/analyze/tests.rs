use super::*;

/// A layer tar from (path, spec): `"N"` a file of N bytes, `"dir"`, `"hard:TARGET"`, `"wh"`
/// (an empty entry, for whiteout and opaque names written as given).
fn layer(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, spec) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(0);
        if *spec == "dir" {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            b.append_data(&mut h, path, &[][..]).unwrap();
        } else if let Some(t) = spec.strip_prefix("hard:") {
            h.set_entry_type(tar::EntryType::Link);
            b.append_link(&mut h, path, t).unwrap();
        } else if *spec == "wh" {
            b.append_data(&mut h, path, &[][..]).unwrap();
        } else {
            let n: usize = spec.parse().unwrap();
            h.set_size(n as u64);
            b.append_data(&mut h, path, &vec![b'x'; n][..]).unwrap();
        }
    }
    b.into_inner().unwrap()
}

fn run(layers: &[Vec<u8>]) -> Analysis {
    measure(
        layers.len(),
        |i| Ok(&layers[i][..]),
        &Limits::default(),
        &AnalyzeOptions::default(),
    )
    .unwrap()
}

fn wasted(a: &Analysis) -> Vec<(&str, u64, Vec<usize>)> {
    a.wasted
        .iter()
        .map(|w| (w.path.as_str(), w.bytes, w.layers.clone()))
        .collect()
}

/// (stored, visible, hidden, overwritten, deleted) per layer.
fn uses(a: &Analysis) -> Vec<(u64, u64, u64, u64, u64)> {
    a.layers
        .iter()
        .map(|l| {
            (
                l.bytes,
                l.visible_bytes,
                l.hidden_bytes,
                l.overwritten_bytes,
                l.deleted_bytes,
            )
        })
        .collect()
}

#[test]
fn dives_own_example_scores_three_quarters() {
    // dive's `TestEfficency`: its trees list no directories, so the deleted `nginx` is
    // sized 0 and only the overwritten nginx.conf is waste: 15000 / 20000.
    let a = run(&[
        layer(&[
            ("etc/nginx/nginx.conf", "2000"),
            ("etc/nginx/public", "3000"),
        ]),
        layer(&[("etc/nginx/nginx.conf", "5000"), ("etc/athing", "10000")]),
        layer(&[("etc/.wh.nginx", "wh")]),
    ]);
    assert_eq!(a.dive.efficiency, 0.75);
    assert_eq!(a.dive.wasted_bytes, 7000);
    assert_eq!(
        wasted(&a),
        vec![("/etc/nginx/nginx.conf", 7000, vec![0, 1])]
    );
    assert_eq!((a.dive.minimum_bytes, a.dive.version_bytes), (15000, 20000));
    assert_eq!(a.dive.user_wasted_percent, 7000.0 / 15000.0);

    // Ours: everything of layer 0 and nginx.conf of layer 1 are hidden.
    assert_eq!(
        uses(&a),
        vec![
            (5000, 0, 5000, 2000, 3000),
            (15000, 10000, 5000, 0, 5000),
            (0, 0, 0, 0, 0)
        ]
    );
    assert_eq!(
        (a.stored_bytes, a.visible_bytes, a.hidden_bytes),
        (20000, 10000, 10000)
    );
    let deleted: Vec<_> = a
        .deleted
        .iter()
        .map(|d| (d.path.as_str(), d.size, d.layer, d.hidden_by))
        .collect();
    assert_eq!(
        deleted,
        vec![
            ("/etc/nginx/nginx.conf", 5000, 1, 2),
            ("/etc/nginx/public", 3000, 0, 2)
        ]
    );
}

#[test]
fn overwritten_file_deleted_directory_and_opaque_directory() {
    let a = run(&[
        layer(&[
            ("etc/", "dir"),
            ("etc/app.conf", "100"),
            ("var/", "dir"),
            ("var/cache/", "dir"),
            ("var/cache/a", "300"),
            ("var/cache/b", "200"),
            ("opt/", "dir"),
            ("opt/big", "1000"),
            ("tmp/junk", "50"),
        ]),
        layer(&[
            ("etc/app.conf", "150"),
            ("var/.wh.cache", "wh"),
            ("opt/", "dir"),
            ("opt/.wh..wh..opq", "wh"),
            ("opt/small", "10"),
            ("tmp/.wh.junk", "wh"),
        ]),
    ]);
    // dive: versions app.conf [100, 150], junk [50, 0 (a deleted file)], var/cache [500
    // (the deleted directory's contents)], and one each for a, b, big, small. The opaque
    // marker counts for nothing.
    assert_eq!(a.dive.minimum_bytes, 100 + 300 + 200 + 1000 + 500 + 10);
    assert_eq!(a.dive.version_bytes, 250 + 300 + 200 + 1000 + 50 + 500 + 10);
    assert_eq!(a.dive.efficiency, 2110.0 / 2310.0);
    assert_eq!(a.dive.wasted_bytes, 300);
    assert_eq!(
        wasted(&a),
        vec![
            ("/etc/app.conf", 250, vec![0, 1]),
            ("/tmp/junk", 50, vec![0, 1])
        ]
    );
    assert_eq!(a.dive.user_wasted_percent, 300.0 / 160.0);

    // Ours: all of layer 0 is hidden (100 overwritten; 300 + 200 + 1000 + 50 deleted).
    assert_eq!(
        uses(&a),
        vec![(1650, 0, 1650, 100, 1550), (160, 160, 0, 0, 0)]
    );
    let hidden: Vec<_> = a
        .hidden
        .iter()
        .map(|h| (h.path.as_str(), h.bytes, h.layers.clone(), h.visible))
        .collect();
    assert_eq!(
        hidden,
        vec![
            ("/opt/big", 1000, vec![0], false),
            ("/var/cache/a", 300, vec![0], false),
            ("/var/cache/b", 200, vec![0], false),
            ("/etc/app.conf", 100, vec![0], true),
            ("/tmp/junk", 50, vec![0], false),
        ]
    );
    assert!(a
        .deleted
        .iter()
        .all(|d| d.hidden_by == 1 && d.why == Why::Deleted));
    assert_eq!(a.deleted_count, 4);
    let largest: Vec<_> = a
        .largest
        .iter()
        .map(|f| (f.path.as_str(), f.size, f.layer))
        .collect();
    assert_eq!(
        largest,
        vec![("/etc/app.conf", 150, 1), ("/opt/small", 10, 1)]
    );
}

#[test]
fn a_hard_link_keeps_deleted_content_visible() {
    let a = run(&[
        layer(&[("bin/busybox", "7"), ("bin/sh", "hard:bin/busybox")]),
        layer(&[("bin/.wh.busybox", "wh")]),
    ]);
    assert_eq!(a.hidden_bytes, 0);
    assert_eq!(a.visible_bytes, 7);
    // dive: busybox [7, 0] is a deleted file.
    assert_eq!(a.dive.wasted_bytes, 7);
}

#[test]
fn the_same_path_twice_in_one_layer_hides_the_first() {
    let a = run(&[layer(&[("a", "40"), ("a", "2")])]);
    assert_eq!(uses(&a), vec![(42, 2, 40, 40, 0)]);
    // dive's tree of a layer holds one node per path: no waste.
    assert_eq!(a.dive.efficiency, 1.0);
}

#[test]
fn no_layers_is_fully_efficient() {
    let a = run(&[]);
    assert_eq!(a.dive.efficiency, 1.0);
    assert_eq!((a.stored_bytes, a.dive.wasted_bytes), (0, 0));
}
