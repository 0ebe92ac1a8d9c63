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
//! `STRATA_BENCH_STRATA=/path/to/strata` times another build of the binary on the same
//! stores (to compare two versions in one run, on one machine load).

use std::path::Path;
use std::process::Command;

#[allow(dead_code)] // each bench is its own crate; this one only fills a store
mod data;
mod support;
use data::{fill_store, LAYERS, SHARED};
use support::{env_or, time, Best};

const STRATA: &str = env!("CARGO_BIN_EXE_strata");

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
    let blobs = fill_store(home, n);
    eprintln!("{n} images, {blobs} blobs");
    let strata = |args: &[&str]| {
        let bin = std::env::var_os("STRATA_BENCH_STRATA").unwrap_or_else(|| STRATA.into());
        let mut c = Command::new(bin);
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
