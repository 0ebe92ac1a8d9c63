//! A repository with many tags (50,000 by default, `STRATA_BENCH_TAGS`), listed page by
//! page as the distribution spec pages them (the testkit proxy pages distribution 2.8's
//! tag list, 1,000 a page): `strata tags` against `skopeo list-tags` and against curl
//! following the `Link` headers itself, in the same run, best of `STRATA_BENCH_RUNS` (3).
//! Also the time to the first page alone (`strata_core::catalog::tags::page`, what the
//! app's table shows at once), in process.
//!
//! The tags are made in process (one image pushed, its manifest PUT under every tag, 32 at
//! once), not timed.
//!
//! `cargo bench -p strata-cli --bench tags_scale` (run from `make bench`).

use std::process::Command;
use std::time::Instant;

use strata_core::catalog::tags;
use strata_core::registry::{Client, RegistryOptions};
use strata_testkit::proxy::{Proxy, Rule};
use strata_testkit::registry::{Auth, Registry};

#[allow(dead_code)] // each bench is its own crate; this one only makes tags
mod data;
mod support;
use support::{env_or, run, Best, CURL_LINK_LOOP};

const STRATA: &str = env!("CARGO_BIN_EXE_strata");
const PAGE: usize = 1000;
const REPO: &str = "bench/many";

fn main() {
    let count = env_or("STRATA_BENCH_TAGS", 50_000).max(2);
    let runs = env_or("STRATA_BENCH_RUNS", 3).max(1);
    let work = tempfile::tempdir().expect("tempdir");
    let registry = Registry::start(Auth::None).expect("docker-registry");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    eprintln!("making {count} tags…");
    rt.block_on(data::make_tags(work.path(), &registry.host(), REPO, count));
    let proxy = Proxy::start(&registry, vec![Rule::paginate_tags(PAGE)]).expect("proxy");
    let host = proxy.host();

    let (mut strata, mut skopeo, mut curl, mut first) = (
        Best::default(),
        Best::default(),
        Best::default(),
        Best::default(),
    );
    for i in 0..runs {
        eprintln!("run {}/{runs}…", i + 1);
        let (r, out) = run(
            Command::new(STRATA)
                .arg("--home")
                .arg(work.path().join("home"))
                .args(["tags", &format!("{host}/{REPO}"), "--json"]),
            work.path(),
        );
        let listed: serde_json::Value = serde_json::from_str(&out).expect("tags --json");
        assert_eq!(listed["tags"].as_array().map(Vec::len), Some(count));
        strata.add(r);
        let (r, out) = run(
            Command::new("skopeo").args([
                "list-tags",
                "--tls-verify=false",
                &format!("docker://{host}/{REPO}"),
            ]),
            work.path(),
        );
        let listed: serde_json::Value = serde_json::from_str(&out).expect("skopeo json");
        assert_eq!(listed["Tags"].as_array().map(Vec::len), Some(count));
        skopeo.add(r);
        let (r, out) = run(
            Command::new("sh")
                .args(["-c", CURL_LINK_LOOP])
                .env("PATTERN", r#""t[0-9]*""#)
                .env(
                    "START",
                    format!("http://{host}/v2/{REPO}/tags/list?n={PAGE}"),
                ),
            work.path(),
        );
        assert_eq!(
            out.trim().parse::<usize>().ok(),
            Some(count),
            "curl listed {out}"
        );
        curl.add(r);
        let t = Instant::now();
        let page = rt.block_on(async {
            let client = Client::connect(&host, &RegistryOptions::default())
                .await
                .expect("client");
            tags::page(&client, REPO, 0, None)
                .await
                .expect("first page")
        });
        assert_eq!(page.tags.len(), PAGE);
        first.add(support::Run {
            secs: t.elapsed().as_secs_f64(),
            ..support::Run::default()
        });
    }
    println!("{count} tags in pages of {PAGE} (loopback registry), best of {runs}:");
    println!(
        "  strata tags        {:>8.3} s  (peak {:.1} MiB)",
        strata.secs(),
        strata.peak_mib()
    );
    println!(
        "  skopeo list-tags   {:>8.3} s  (peak {:.1} MiB)",
        skopeo.secs(),
        skopeo.peak_mib()
    );
    println!("  curl + Link loop   {:>8.3} s", curl.secs());
    println!(
        "  first page alone   {:>8.3} s  (what the app's table shows at once)",
        first.secs()
    );
    println!(
        "  ratio strata/skopeo {:.2}×, strata/curl {:.2}×",
        strata.secs() / skopeo.secs(),
        strata.secs() / curl.secs()
    );
}
