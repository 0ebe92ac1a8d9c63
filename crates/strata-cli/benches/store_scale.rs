//! The store at scale: what `strata images`, `df`, `rmi` of one image, `prune` and `fsck`
//! cost with 200 and with 2,000 images (`STRATA_BENCH_IMAGES`), each of ten layers of which
//! two are shared base layers and eight its own, so that 2,000 images hold some 20,000
//! blobs, and 20 containers made from images spread over the store (their records: what
//! `images`, `df` and `rmi` read of a container). Reported: each operation's time at both
//! sizes and its growth (the ratio of the two). Targets: `images` < 200 ms at 2,000; `rmi`
//! does not grow with the store.
//!
//! The store is written through the engine (blobs and one `index.json` write), not timed;
//! each timed operation is a fresh `strata` process, best of `STRATA_BENCH_RUNS` (3).
//!
//! `cargo bench -p strata-cli --bench store_scale` (run from `make bench`).
//! `STRATA_BENCH_STRATA=/path/a,/path/b` times other builds of the binary on the same
//! stores, taking turns (to compare two versions in one run, under one machine load).

use std::path::Path;
use std::process::Command;

#[allow(dead_code)] // each bench is its own crate; this one only fills a store
mod data;
mod support;
use data::{add_container_records, fill_store, CONTAINERS, LAYERS, SHARED};
use support::{env_or, time, Best};

const STRATA: &str = env!("CARGO_BIN_EXE_strata");

/// The operations timed, in the order each run does them.
const OPS: [&str; 5] = ["images", "df", "rmi (one image)", "prune", "fsck"];

fn main() {
    let large = env_or("STRATA_BENCH_IMAGES", 2000).max(20);
    let runs = env_or("STRATA_BENCH_RUNS", 3).max(1);
    let bins: Vec<String> = std::env::var("STRATA_BENCH_STRATA")
        .ok()
        .filter(|v| !v.is_empty())
        .map_or_else(
            || vec![STRATA.to_string()],
            |v| v.split(',').map(String::from).collect(),
        );
    let work = tempfile::tempdir().expect("tempdir");
    let sizes = [large / 10, large];
    // [size][binary][operation]
    let results: Vec<Vec<Vec<Timed>>> = sizes
        .iter()
        .map(|&n| measure(&work.path().join(n.to_string()), n, runs, &bins))
        .collect();

    for (b, bin) in bins.iter().enumerate() {
        println!(
            "store at scale: images of {LAYERS} layers ({SHARED} shared), {CONTAINERS} containers, best of {runs}{}",
            if bins.len() > 1 {
                format!(", {bin}")
            } else {
                String::new()
            }
        );
        println!(
            "{:<22} {:>12} {:>12} {:>8}   first run (cold caches)",
            "operation",
            format!("{} images", sizes[0]),
            format!("{} images", sizes[1]),
            "growth"
        );
        for (i, name) in OPS.iter().enumerate() {
            let (small, big) = (&results[0][b][i], &results[1][b][i]);
            println!(
                "{:<22} {:>9.1} ms {:>9.1} ms {:>7.1}×   {:.1} ms / {:.1} ms",
                name,
                small.best.secs() * 1000.0,
                big.best.secs() * 1000.0,
                big.best.secs() / small.best.secs(),
                small.first * 1000.0,
                big.first * 1000.0,
            );
        }
    }
}

/// One operation's best time, and its first (the one that fills any cache).
#[derive(Default)]
struct Timed {
    best: Best,
    first: f64,
}

/// Fills a store with `n` images, then times each operation with each binary, the
/// binaries taking turns within each run (so that they see the same machine load).
fn measure(home: &Path, n: usize, runs: usize, bins: &[String]) -> Vec<Vec<Timed>> {
    eprintln!("building a store of {n} images…");
    let blobs = fill_store(home, n);
    add_container_records(home, n);
    eprintln!("{n} images, {blobs} blobs, {CONTAINERS} containers");
    let mut out: Vec<Vec<Timed>> = bins
        .iter()
        .map(|_| OPS.iter().map(|_| Timed::default()).collect())
        .collect();
    for run in 0..runs {
        for (b, bin) in bins.iter().enumerate() {
            let strata = |args: &[&str]| {
                let mut c = Command::new(bin);
                c.arg("--home").arg(home).args(args);
                c
            };
            let name = format!("scale/app{}:1", run * bins.len() + b);
            let ops: [Vec<&str>; 5] = [
                vec!["images", "--json"],
                vec!["df", "--json"],
                vec!["rmi", &name, "--json"],
                vec!["prune", "--json"],
                vec!["fsck", "--json"],
            ];
            for (i, args) in ops.iter().enumerate() {
                let r = time(&mut strata(args), home);
                if run == 0 {
                    out[b][i].first = r.secs;
                }
                out[b][i].best.add(r);
            }
        }
    }
    out
}
