//! Push and pull benchmark (issue 4 § performance): a 4-layer image (512 MiB by default;
//! `STRATA_BENCH_MIB` to change) to and from a loopback `docker-registry`, against
//! `skopeo copy` of the same image in the same run and against the raw limit (the same
//! blobs sent and fetched with plain HTTP requests, hashed, nothing written). Every run
//! uses fresh repository names, so that nothing is skipped or mounted.
//!
//! `cargo bench -p strata-core --bench transfer` (run from `make bench`).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use futures::StreamExt;
use oci_spec::image::{Descriptor, MediaType};
use sha2::Digest as _;
use strata_core::reference::Reference;
use strata_core::registry::{self, NoTransferProgress, PullOptions, PushOptions};
use strata_core::store::Store;
use strata_testkit::fixtures::{Image, Layer, OciLayout};
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
    let registry = Registry::start(Auth::None).expect("start docker-registry");
    let host = registry.host();
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
    let mut rows = Vec::new();
    let mut row = |what: &str, d: Duration| {
        let rate = total as f64 / d.as_secs_f64() / (1 << 20) as f64;
        rows.push(format!(
            "{what:<28} {:>8.2} s {:>9.1} MiB/s",
            d.as_secs_f64(),
            rate
        ));
    };

    // ---- push ----
    let remote = Reference::parse(&format!("{host}/strata-push:1")).expect("ref");
    let t = Instant::now();
    let pushed = rt
        .block_on(registry::push(
            &store,
            "bench:1",
            &remote,
            &PushOptions::default(),
            &NoTransferProgress,
            &cancel,
        ))
        .expect("strata push");
    row("push: strata", t.elapsed());
    assert_eq!(pushed.uploaded, 5);

    let t = Instant::now();
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("oci:{}:bench", layout_dir.display()),
        &format!("docker://{host}/skopeo-push:1"),
    ]);
    row("push: skopeo copy", t.elapsed());

    let t = Instant::now();
    rt.block_on(raw_push(&host, "raw-push", &image));
    row("push: raw HTTP limit", t.elapsed());

    let t = Instant::now();
    let again = rt
        .block_on(registry::push(
            &store,
            "bench:1",
            &remote,
            &PushOptions::default(),
            &NoTransferProgress,
            &cancel,
        ))
        .expect("strata re-push");
    let repush = t.elapsed();
    assert_eq!(again.uploaded, 0);

    // ---- pull ----
    let dst = Store::open(&work.path().join("pulled")).expect("store");
    let t = Instant::now();
    rt.block_on(registry::pull(
        &dst,
        &remote,
        &PullOptions::default(),
        &NoTransferProgress,
        &cancel,
    ))
    .expect("strata pull");
    row("pull: strata", t.elapsed());

    let t = Instant::now();
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{host}/skopeo-push:1"),
        &format!("oci:{}:x", work.path().join("skopeo-pulled").display()),
    ]);
    row("pull: skopeo copy", t.elapsed());

    let t = Instant::now();
    rt.block_on(raw_pull(&host, "raw-push", &image));
    row("pull: raw HTTP limit", t.elapsed());

    println!("{mib} MiB image, 4 layers, {total} compressed bytes, loopback docker-registry");
    for r in &rows {
        println!("{r}");
    }
    println!(
        "re-push of the unchanged image: {:.3} s, {} blobs skipped, 0 uploaded",
        repush.as_secs_f64(),
        again.skipped
    );
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
