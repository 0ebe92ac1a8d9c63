//! Data the scale benchmarks (and `make bench-app`, through the `bench_data` example) build
//! on 127.0.0.1 before they time anything: a store of many images sharing base layers, and
//! a repository with many tags.

use std::path::Path;

use oci_spec::image::{Descriptor, MediaType};
use serde_json::json;
use strata_core::digest::Digest;
use strata_core::reference::Reference;
use strata_core::registry::{Client, RegistryOptions};
use strata_core::store::Store;
use strata_core::task::TaskCtx;
use strata_core::transfer::{self, PushOptions};
use strata_testkit::fixtures::{Image, Layer};

/// Layers of every image in [`fill_store`]…
pub const LAYERS: usize = 10;
/// …of which this many are shared base layers…
pub const SHARED: usize = 2;
/// …from this many distinct base images.
pub const BASES: usize = 20;

/// Writes `n` images into the store at `home`; returns how many blobs it holds.
pub fn fill_store(home: &Path, n: usize) -> usize {
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

/// Container records [`add_container_records`] writes.
pub const CONTAINERS: usize = 20;

/// Writes [`CONTAINERS`] container records into the store at `home` (filled by
/// [`fill_store`] with `n` images), for images spread over the store away from the first
/// ten: `container.json` with what the store reads of a container (its image and name), as
/// `strata create` writes it, without a root filesystem (nothing timed here runs one).
pub fn add_container_records(home: &Path, n: usize) {
    let store = Store::open(home).expect("store");
    let step = (n / CONTAINERS).max(1);
    for k in 0..CONTAINERS.min(n) {
        let name = format!("scale/app{}:1", n - 1 - k * step);
        let image = store
            .resolve(&name)
            .expect("image")
            .digest()
            .expect("digest");
        let id = format!("bench{k:02}");
        let record = strata_core::store::ContainerRecord {
            id: Some(id.clone()),
            image_digest: image,
            name: Some(format!("box{k}")),
        };
        let dir = home.join("containers").join(id);
        std::fs::create_dir_all(&dir).expect("container folder");
        std::fs::write(
            dir.join("container.json"),
            serde_json::to_vec(&record).expect("record"),
        )
        .expect("container.json");
    }
}

/// Writes `image` (blobs and manifest) into `store` under the name `name`.
fn keep(store: &Store, image: &Image, name: &str) {
    for (_, bytes) in image.blobs() {
        store.put_bytes(bytes).expect("blob");
    }
    let (digest, size) = store.put_bytes(&image.manifest).expect("manifest");
    let descriptor = oci_spec::image::Descriptor::new(
        oci_spec::image::MediaType::from(image.manifest_media_type),
        size,
        oci_spec::image::Digest::from(&digest),
    );
    store
        .set_ref(&Reference::parse(name).expect("name"), descriptor)
        .expect("name");
}

/// One small image pushed, then its manifest put under `count` tags, 32 at once.
pub async fn make_tags(dir: &Path, host: &str, repo: &str, count: usize) {
    use futures::StreamExt;
    let image = Image::builder()
        .layer(Layer::random("x", 1000, 1).expect("layer"))
        .build();
    let store = Store::open(&dir.join("src")).expect("store");
    keep(&store, &image, "many:1");
    let first = Reference::parse(&format!("{host}/{repo}:t000000")).expect("ref");
    transfer::push(
        &store,
        "many:1",
        &first,
        &PushOptions::default(),
        TaskCtx::none(),
    )
    .await
    .expect("push");
    let client = Client::connect(host, &RegistryOptions::default())
        .await
        .expect("client");
    let manifest = client
        .get_manifest(repo, "t000000")
        .await
        .expect("manifest");
    futures::stream::iter(1..count)
        .map(|i| {
            let (client, manifest) = (&client, &manifest);
            async move {
                client
                    .put_manifest(repo, &format!("t{i:06}"), manifest)
                    .await
                    .expect("tag");
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
}

/// `count` images of two random (incompressible) layers of `mib / 2` MiB each, pushed to
/// `host` as `{repo}{i}:1` — what the app's ten transfers at once move.
pub async fn push_images(dir: &Path, host: &str, repo: &str, count: usize, mib: usize) {
    let store = Store::open(&dir.join("src")).expect("store");
    for i in 0..count {
        let half = mib.max(2) / 2 * 1024 * 1024;
        let image = Image::builder()
            .layer(Layer::random("a", half, 2 * i as u64).expect("layer"))
            .layer(Layer::random("b", half, 2 * i as u64 + 1).expect("layer"))
            .build();
        let local = format!("local{i}:1");
        keep(&store, &image, &local);
        let target = Reference::parse(&format!("{host}/{repo}{i}:1")).expect("ref");
        transfer::push(
            &store,
            &local,
            &target,
            &PushOptions::default(),
            TaskCtx::none(),
        )
        .await
        .expect("push");
    }
}

/// `count` repositories `ns{i % 20}/repo{i:05}` holding one small image each (the same
/// blobs, mounted across repositories by the push), 32 pushes at once.
pub async fn make_repos(dir: &Path, host: &str, count: usize) {
    use futures::StreamExt;
    let image = Image::builder()
        .layer(Layer::random("x", 1000, 7).expect("layer"))
        .build();
    let store = Store::open(&dir.join("src")).expect("store");
    keep(&store, &image, "one:1");
    futures::stream::iter(0..count)
        .map(|i| {
            let store = &store;
            async move {
                let target =
                    Reference::parse(&format!("{host}/ns{}/repo{i:05}:1", i % 20)).expect("ref");
                transfer::push(
                    store,
                    "one:1",
                    &target,
                    &PushOptions::default(),
                    TaskCtx::none(),
                )
                .await
                .expect("push");
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
}
