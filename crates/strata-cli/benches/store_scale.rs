//! The store at scale: what `strata images`, `df`, `rmi` of one image, `prune` and `fsck`
//! cost with 200 and with 2,000 images (`STRATA_BENCH_IMAGES`), each of ten layers of which
//! two are shared base layers and eight its own, so that 2,000 images hold some 20,000
//! blobs. Reported: each operation's time at both sizes and its growth (the ratio of the
//! two). Targets: `images` < 200 ms at 2,000; `rmi` does not grow with the store.
//!
//! The store is written through the engine (blobs and one `index.json` write), not timed;
//! each timed operation is a fresh `strata` process, best of `STRATA_BENCH_RUNS` (3).
//!
//! `cargo bench -p strata-cli --bench store_scale` (run from `make bench`).

use std::path::Path;
use std::process::Command;

use oci_spec::image::{Descriptor, MediaType};
use serde_json::json;
use strata_core::digest::Digest;
use strata_core::reference::Reference;
use strata_core::store::Store;

mod support;
use support::{env_or, time, Best};

const STRATA: &str = env!("CARGO_BIN_EXE_strata");
const LAYERS: usize = 10;
const SHARED: usize = 2;
/// Distinct base images the shared layers come from.
const BASES: usize = 20;

fn main() {
    let large = env_or("STRATA_BENCH_IMAGES", 2000).max(20);
    let runs = env_or("STRATA_BENCH_RUNS", 3).max(1);
    let work = tempfile::tempdir().expect("tempdir");
    let sizes = [large / 10, large];
    let results: Vec<Vec<(String, Best)>> = sizes
        .iter()
        .map(|&n| measure(&work.path().join(n.to_string()), n, runs))
        .collect();

    println!("store at scale: images of {LAYERS} layers ({SHARED} shared), best of {runs}");
    println!(
        "{:<22} {:>12} {:>12} {:>8}",
        "operation",
        format!("{} images", sizes[0]),
        format!("{} images", sizes[1]),
        "growth"
    );
    for (i, (name, small)) in results[0].iter().enumerate() {
        let big = &results[1][i].1;
        println!(
            "{:<22} {:>9.1} ms {:>9.1} ms {:>7.1}×",
            name,
            small.secs() * 1000.0,
            big.secs() * 1000.0,
            big.secs() / small.secs()
        );
    }
}

/// Fills a store with `n` images, then times each operation.
fn measure(home: &Path, n: usize, runs: usize) -> Vec<(String, Best)> {
    eprintln!("building a store of {n} images…");
    let blobs = fill(home, n);
    eprintln!("{n} images, {blobs} blobs");
    let strata = |args: &[&str]| {
        let mut c = Command::new(STRATA);
        c.arg("--home").arg(home).args(args);
        c
    };
    let mut out: Vec<(String, Best)> = ["images", "df", "rmi (one image)", "prune", "fsck"]
        .iter()
        .map(|s| (s.to_string(), Best::default()))
        .collect();
    for run in 0..runs {
        out[0].1.add(time(&mut strata(&["images", "--json"]), home));
        out[1].1.add(time(&mut strata(&["df", "--json"]), home));
        let name = format!("scale/app{run}:1");
        out[2]
            .1
            .add(time(&mut strata(&["rmi", &name, "--json"]), home));
        out[3].1.add(time(&mut strata(&["prune", "--json"]), home));
        out[4].1.add(time(&mut strata(&["fsck", "--json"]), home));
    }
    out
}

/// Writes `n` images into the store at `home`; returns how many blobs it holds.
fn fill(home: &Path, n: usize) -> usize {
    let store = Store::open(home).expect("store");
    let put = |bytes: &[u8]| store.put_bytes(bytes).expect("blob");
    let layer_desc = |(d, size): (Digest, u64)| {
        json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": d.to_string(), "size": size})
    };
    let bases: Vec<Vec<serde_json::Value>> = (0..BASES)
        .map(|b| {
            (0..SHARED)
                .map(|l| layer_desc(put(format!("base {b} layer {l}").repeat(64).as_bytes())))
                .collect()
        })
        .collect();
    let mut names = Vec::with_capacity(n);
    for i in 0..n {
        let mut layers = bases[i % BASES].clone();
        for l in SHARED..LAYERS {
            layers.push(layer_desc(put(format!("image {i} layer {l}")
                .repeat(64)
                .as_bytes())));
        }
        let diff_ids: Vec<String> = layers
            .iter()
            .map(|l| l["digest"].as_str().unwrap_or_default().to_string())
            .collect();
        let config = json!({
            "architecture": "amd64", "os": "linux",
            "created": format!("2026-01-01T00:{:02}:{:02}Z", (i / 60) % 60, i % 60),
            "config": {"Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        });
        let (config, config_size) = put(config.to_string().as_bytes());
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config.to_string(), "size": config_size},
            "layers": layers,
        });
        let (digest, size) = put(manifest.to_string().as_bytes());
        let descriptor = Descriptor::new(
            MediaType::ImageManifest,
            size,
            oci_spec::image::Digest::from(&digest),
        );
        let name = Reference::parse(&format!("scale/app{i}:1")).expect("name");
        names.push((name, descriptor));
    }
    store.set_refs(names).expect("index.json");
    std::fs::read_dir(home.join("blobs/sha256"))
        .map(|d| d.count())
        .unwrap_or(0)
}
