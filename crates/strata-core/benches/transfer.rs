//! Push and pull benchmark: a 4-layer image (512 MiB by default;
//! `STRATA_BENCH_MIB` to change) to and from a loopback `docker-registry`, against
//! `skopeo copy` of the same image in the same run and against the raw limit (the same
//! blobs sent and fetched with plain HTTP requests, hashed, nothing written). Every run
//! uses a new registry and fresh repository names, so that nothing is skipped or mounted;
//! `STRATA_BENCH_RUNS` runs (default 3), the best of each kept. Every timed step starts
//! after a `sync`, so that none pays for the disk writes another left behind.
//!
//! `cargo bench -p strata-core --bench transfer` (run from `make bench`).

// Tests and benches make their fixtures with plain paths (clippy.toml is for src/).
#![allow(clippy::disallowed_methods)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use futures::StreamExt;
use oci_spec::image::{Descriptor, MediaType};
use sha2::Digest as _;
use strata_core::reference::Reference;
use strata_core::store::Store;
use strata_core::task::{NoProgress, TaskCtx};
use strata_core::transfer::{self, PullOptions, PushOptions};
use strata_testkit::fixtures::{Image, Layer, OciLayout};
use strata_testkit::proxy::Proxy;
use strata_testkit::registry::{Auth, Registry};
use tokio_util::sync::CancellationToken;

fn main() {
    let mib: usize = std::env::var("STRATA_BENCH_MIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(512);
    assert!(
        Path::new("/usr/bin/skopeo").exists(),
        "skopeo is not installed: run `make deps`"
    );
    eprintln!("building a {mib} MiB, 4-layer image…");
    let mut builder = Image::builder();
    for i in 0..4 {
        let mut layer = Layer::random(&format!("l{i}"), (mib << 20) / 4, 9000 + i).expect("layer");
        layer.tar = Vec::new(); // only the compressed blob is transferred
        builder = builder.layer(layer);
    }
    let image = builder.build();
    let total: u64 = image.layers.iter().map(Layer::size).sum();

    let work = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&work.path().join("store")).expect("store");
    for (_, bytes) in image.blobs() {
        store.put_bytes(bytes).expect("seed");
    }
    let (digest, size) = store.put_bytes(&image.manifest).expect("seed");
    let name = Reference::parse("bench:1").expect("name");
    store
        .set_ref(
            &name,
            Descriptor::new(
                MediaType::from(image.manifest_media_type),
                size,
                oci_spec::image::Digest::from(&digest),
            ),
        )
        .expect("seed");
    let layout_dir = work.path().join("layout");
    OciLayout::create(&layout_dir)
        .and_then(|mut l| l.add_image(&image, "bench"))
        .expect("layout");

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let cancel = CancellationToken::new();
    let runs: usize = std::env::var("STRATA_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    // `STRATA_BENCH_PEERS=0`: strata only (for profiling it); `raw`: strata and the raw
    // limit, without skopeo.
    let peers_env = std::env::var("STRATA_BENCH_PEERS").unwrap_or_default();
    let peers = peers_env != "0" && peers_env != "raw";
    let raw = peers_env != "0";
    // Each operation's times over the runs; the best is reported, as the machine is shared.
    let mut times: Vec<(&str, Vec<Duration>)> = Vec::new();
    let mut record =
        |what: &'static str, d: Duration| match times.iter_mut().find(|(w, _)| *w == what) {
            Some((_, v)) => v.push(d),
            None => times.push((what, vec![d])),
        };
    let mut repush_skipped = 0;
    let mut repush_requests = 0;
    // Each run pushes to new repositories: mounting from the previous run's is off.
    let push_options = PushOptions {
        no_mount: true,
        ..PushOptions::default()
    };

    for run in 0..runs {
        // A new registry each run: skopeo remembers where it saw a blob (its blob info
        // cache, keyed by registry) and would mount it instead of uploading.
        let registry = Registry::start(Auth::None).expect("start docker-registry");
        let host = registry.host();
        // ---- push ---- (fresh repository names each run: nothing skipped or mounted)
        let remote = Reference::parse(&format!("{host}/strata-push-{run}:1")).expect("ref");
        settle();
        let t = Instant::now();
        let pushed = rt
            .block_on(transfer::push(
                &store,
                "bench:1",
                &remote,
                &push_options,
                TaskCtx::new(&NoProgress, &cancel),
            ))
            .expect("strata push");
        record("push: strata", t.elapsed());
        assert_eq!(pushed.uploaded, 5);

        if peers {
            settle();
            let t = Instant::now();
            skopeo(&[
                "copy",
                "--dest-tls-verify=false",
                &format!("oci:{}:bench", layout_dir.display()),
                &format!("docker://{host}/skopeo-push-{run}:1"),
            ]);
            record("push: skopeo copy", t.elapsed());
        }
        if raw {
            settle();
            let t = Instant::now();
            rt.block_on(raw_push(&host, &format!("raw-push-{run}"), &image));
            record("push: raw HTTP limit", t.elapsed());
        }

        // Re-push through a logging proxy: what goes over the wire must be HEADs only
        // (and the `/v2/` ping that finds how the registry authenticates).
        let proxy = Proxy::start(&registry, vec![]).expect("proxy");
        let via_proxy =
            Reference::parse(&format!("{}/strata-push-{run}:1", proxy.host())).expect("ref");
        settle();
        let t = Instant::now();
        let again = rt
            .block_on(transfer::push(
                &store,
                "bench:1",
                &via_proxy,
                &push_options,
                TaskCtx::new(&NoProgress, &cancel),
            ))
            .expect("strata re-push");
        record("re-push unchanged: strata", t.elapsed());
        assert_eq!(again.uploaded, 0);
        let sent: Vec<String> = proxy
            .requests()
            .into_iter()
            .filter(|e| e.path != "/v2/")
            .map(|e| format!("{} {}", e.method, e.path))
            .collect();
        assert!(
            sent.iter().all(|r| r.starts_with("HEAD ")),
            "a re-push sent more than HEAD requests: {sent:?}"
        );
        repush_requests = sent.len();
        repush_skipped = again.skipped;

        // ---- pull ---- (into an empty store each run)
        let pulled = work.path().join(format!("pulled-{run}"));
        let dst = Store::open(&pulled).expect("store");
        settle();
        let t = Instant::now();
        rt.block_on(transfer::pull(
            &dst,
            &remote,
            &PullOptions::default(),
            TaskCtx::new(&NoProgress, &cancel),
        ))
        .expect("strata pull");
        record("pull: strata", t.elapsed());
        drop(dst);
        let _ = std::fs::remove_dir_all(&pulled);

        if peers {
            let skopeo_dir = work.path().join(format!("skopeo-pulled-{run}"));
            settle();
            let t = Instant::now();
            skopeo(&[
                "copy",
                "--src-tls-verify=false",
                &format!("docker://{host}/skopeo-push-{run}:1"),
                &format!("oci:{}:x", skopeo_dir.display()),
            ]);
            record("pull: skopeo copy", t.elapsed());
            let _ = std::fs::remove_dir_all(&skopeo_dir);
        }
        if raw {
            settle();
            let t = Instant::now();
            rt.block_on(raw_pull(&host, &format!("raw-push-{run}"), &image));
            record("pull: raw HTTP limit", t.elapsed());
        }
    }

    println!(
        "{mib} MiB image, 4 layers, {total} compressed bytes, loopback docker-registry, \
         best of {runs} runs"
    );
    let best = |what: &str| {
        times
            .iter()
            .find(|(w, _)| *w == what)
            .and_then(|(_, v)| v.iter().min().copied())
    };
    for (what, all) in &times {
        let Some(d) = all.iter().min() else { continue };
        let rate = if what.starts_with("re-push") {
            String::new() // nothing is sent
        } else {
            format!(
                "{:.1} MiB/s",
                total as f64 / d.as_secs_f64() / (1 << 20) as f64
            )
        };
        let each: Vec<String> = all
            .iter()
            .map(|d| format!("{:.2}", d.as_secs_f64()))
            .collect();
        println!(
            "{what:<28} {:>8.3} s {rate:>12}   (runs: {})",
            d.as_secs_f64(),
            each.join(" ")
        );
    }
    for dir in ["push", "pull"] {
        let strata = best(&format!("{dir}: strata"));
        let skopeo = best(&format!("{dir}: skopeo copy"));
        let raw = best(&format!("{dir}: raw HTTP limit"));
        if let (Some(s), Some(k), Some(r)) = (strata, skopeo, raw) {
            println!(
                "{dir}: {:.2}× skopeo's time, {:.2}× the raw limit",
                s.as_secs_f64() / k.as_secs_f64(),
                s.as_secs_f64() / r.as_secs_f64()
            );
        }
    }
    println!(
        "re-push of the unchanged image: {repush_skipped} blobs skipped, 0 uploaded, \
         {repush_requests} requests besides the /v2/ ping, all HEAD"
    );
}

/// Writes back what earlier steps left dirty (the registry does not fsync what it
/// receives, skopeo not what it pulls), so that no step pays for another's disk writes.
fn settle() {
    let _ = Command::new("sync").status();
}

fn skopeo(args: &[&str]) {
    let out = Command::new("skopeo")
        .args(args)
        .output()
        .expect("run skopeo");
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every blob: `POST` an upload, `PUT` it whole, all blobs at once.
async fn raw_push(host: &str, repo: &str, image: &Image) {
    let http = reqwest::Client::new();
    let jobs = image.blobs().into_iter().map(|(digest, bytes)| {
        let http = http.clone();
        let body = bytes.to_vec();
        async move {
            let start = http
                .post(format!("http://{host}/v2/{repo}/blobs/uploads/"))
                .send()
                .await
                .expect("POST");
            let loc = start.headers()["location"]
                .to_str()
                .expect("location")
                .to_string();
            let url = if loc.starts_with("http") {
                loc
            } else {
                format!("http://{host}{loc}")
            };
            let sep = if url.contains('?') { '&' } else { '?' };
            let resp = http
                .put(format!("{url}{sep}digest={digest}"))
                .body(body)
                .send()
                .await
                .expect("PUT");
            assert_eq!(resp.status(), 201);
        }
    });
    futures::stream::iter(jobs)
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
}

/// Every blob: `GET`, hashed as it streams, nothing written.
async fn raw_pull(host: &str, repo: &str, image: &Image) {
    let http = reqwest::Client::new();
    let jobs = image.blobs().into_iter().map(|(digest, _)| {
        let http = http.clone();
        async move {
            let mut resp = http
                .get(format!("http://{host}/v2/{repo}/blobs/{digest}"))
                .send()
                .await
                .expect("GET");
            let mut sha = sha2::Sha256::new();
            while let Some(chunk) = resp.chunk().await.expect("body") {
                sha.update(&chunk);
            }
            assert_eq!(format!("sha256:{}", hex::encode(sha.finalize())), digest);
        }
    });
    futures::stream::iter(jobs)
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
}
