//! A registry with many repositories (20,000 by default, `STRATA_BENCH_REPOS`) in 20
//! namespaces, listed through `/v2/_catalog` pages of 1,000 (distribution pages its catalog
//! itself, with `Link` headers): `strata repos` against curl following the `Link` headers,
//! in the same run, best of `STRATA_BENCH_RUNS` (3). skopeo has no catalog listing.
//!
//! The repositories are made in process (one small image pushed to each, 32 at once), not
//! timed.
//!
//! `cargo bench -p strata-cli --bench catalog_scale` (run from `make bench`).

use std::process::Command;

#[allow(dead_code)] // each bench is its own crate; this one only makes repositories
mod data;
mod support;
use strata_testkit::registry::{Auth, Registry};
use support::{env_or, run, Best, CURL_LINK_LOOP};

const STRATA: &str = env!("CARGO_BIN_EXE_strata");
const PAGE: usize = 1000;

fn main() {
    let count = env_or("STRATA_BENCH_REPOS", 20_000).max(2);
    let runs = env_or("STRATA_BENCH_RUNS", 3).max(1);
    let work = tempfile::tempdir().expect("tempdir");
    let registry = Registry::start(Auth::None).expect("docker-registry");
    let host = registry.host();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    eprintln!("making {count} repositories…");
    rt.block_on(data::make_repos(work.path(), &host, count));

    let (mut strata, mut curl) = (Best::default(), Best::default());
    for i in 0..runs {
        eprintln!("run {}/{runs}…", i + 1);
        let (r, out) = run(
            Command::new(STRATA)
                .arg("--home")
                .arg(work.path().join("home"))
                .args(["repos", &host, "--json"]),
            work.path(),
        );
        let tree: serde_json::Value = serde_json::from_str(&out).expect("repos --json");
        let listed: usize = tree["namespaces"]
            .as_array()
            .map(|ns| {
                ns.iter()
                    .map(|n| n["repositories"].as_array().map_or(0, Vec::len))
                    .sum()
            })
            .unwrap_or(0);
        assert_eq!(listed, count, "strata repos listed {listed}");
        strata.add(r);
        let (r, out) = run(
            Command::new("sh")
                .args(["-c", CURL_LINK_LOOP])
                .env("PATTERN", r#""ns[0-9]*/repo[0-9]*""#)
                .env("START", format!("http://{host}/v2/_catalog?n={PAGE}")),
            work.path(),
        );
        assert_eq!(
            out.trim().parse::<usize>().ok(),
            Some(count),
            "curl listed {out}"
        );
        curl.add(r);
    }
    println!("{count} repositories in 20 namespaces, catalog pages of {PAGE} (loopback registry), best of {runs}:");
    println!(
        "  strata repos       {:>8.3} s  (peak {:.1} MiB)",
        strata.secs(),
        strata.peak_mib()
    );
    println!("  curl + Link loop   {:>8.3} s", curl.secs());
    println!("  ratio strata/curl {:.2}×", strata.secs() / curl.secs());
}
