//! Ten transfers at once against the same ten one by one: pushes of ten images of
//! `STRATA_BENCH_MIB` MiB each (32 by default, two layers) to a loopback registry, then
//! pulls of them into an empty store, as the app's Tasks screen runs them when ten are
//! started together. Each run uses a fresh registry (pushes) or store (pulls), so nothing
//! is skipped; best of `STRATA_BENCH_RUNS` (3). Target: all at once within 1.2× of one by
//! one, i.e. running together costs no throughput.
//!
//! `cargo bench -p strata-cli --bench concurrent_transfers` (run from `make bench`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use strata_core::store::Store;
use strata_testkit::fixtures::{Image, Layer};
use strata_testkit::registry::{Auth, Registry};

#[allow(dead_code)] // the timing helpers are for the benches that time one child
mod support;
use support::env_or;

const STRATA: &str = env!("CARGO_BIN_EXE_strata");
const IMAGES: usize = 10;

fn main() {
    let mib = env_or("STRATA_BENCH_MIB", 32).max(1);
    let runs = env_or("STRATA_BENCH_RUNS", 3).max(1);
    let work = tempfile::tempdir().expect("tempdir");
    let src = work.path().join("src");
    eprintln!("making {IMAGES} images of {mib} MiB…");
    make_images(&src, mib);

    let mut best = [f64::MAX; 4];
    for run in 0..runs {
        eprintln!("run {}/{runs}…", run + 1);
        for (slot, together) in [(0, false), (1, true)] {
            let registry = Registry::start(Auth::None).expect("docker-registry");
            let pushes = (0..IMAGES)
                .map(|i| {
                    strata(
                        &src,
                        &["push", &format!("bench/app{i}:1"), &remote(&registry, i)],
                    )
                })
                .collect();
            let secs = timed(pushes, together);
            best[slot] = best[slot].min(secs);

            let dst = work.path().join(format!("dst-{run}-{slot}"));
            let pulls = (0..IMAGES)
                .map(|i| strata(&dst, &["pull", &remote(&registry, i)]))
                .collect();
            let secs = timed(pulls, together);
            best[2 + slot] = best[2 + slot].min(secs);
            let _ = std::fs::remove_dir_all(&dst);
        }
    }
    let total = (IMAGES * mib) as f64;
    println!("{IMAGES} transfers of {mib} MiB each (loopback registry), best of {runs}:");
    for (name, one, all) in [("push", best[0], best[1]), ("pull", best[2], best[3])] {
        println!(
            "  {name}: one by one {one:.2} s ({:.0} MiB/s), all at once {all:.2} s ({:.0} MiB/s): {:.2}× (target ≤ 1.2×)",
            total / one,
            total / all,
            all / one
        );
    }
}

fn remote(registry: &Registry, i: usize) -> String {
    format!("{}/bench/app{i}:1", registry.host())
}

fn strata(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(STRATA);
    c.arg("--home")
        .arg(home)
        .args(args)
        .arg("--json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Runs the commands one after another, or all started together; the wall time.
fn timed(commands: Vec<Command>, together: bool) -> f64 {
    let start = Instant::now();
    if together {
        let children: Vec<Child> = commands
            .into_iter()
            .map(|mut c| c.spawn().expect("strata"))
            .collect();
        for child in children {
            check(child);
        }
    } else {
        for mut c in commands {
            check(c.spawn().expect("strata"));
        }
    }
    start.elapsed().as_secs_f64()
}

fn check(child: Child) {
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "strata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Ten images of two random (incompressible) layers each, put straight into the store.
fn make_images(home: &Path, mib: usize) {
    let store = Store::open(home).expect("store");
    for i in 0..IMAGES {
        let half = (mib << 20) / 2;
        let image = Image::builder()
            .layer(Layer::random("a", half, 100 + 2 * i as u64).expect("layer"))
            .layer(Layer::random("b", half, 101 + 2 * i as u64).expect("layer"))
            .build();
        for (_, bytes) in image.blobs() {
            store.put_bytes(bytes).expect("blob");
        }
        let (digest, size) = store.put_bytes(&image.manifest).expect("manifest");
        let descriptor = oci_spec::image::Descriptor::new(
            oci_spec::image::MediaType::from(image.manifest_media_type),
            size,
            oci_spec::image::Digest::from(&digest),
        );
        let name =
            strata_core::reference::Reference::parse(&format!("bench/app{i}:1")).expect("name");
        store.set_ref(&name, descriptor).expect("name");
    }
}
