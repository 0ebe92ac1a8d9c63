//! Import and export benchmark: an 8-layer image of incompressible
//! layers (1 GiB by default; `STRATA_BENCH_MIB` to change) as a docker archive, imported
//! with `strata import` and exported with `strata export --format docker`, against
//! `skopeo copy docker-archive:… oci:…` and `skopeo copy oci:… docker-archive:…` on the same
//! archive in the same run. Each operation is a fresh child process into an empty folder,
//! best of `STRATA_BENCH_RUNS` (3); its peak memory is the child's `ru_maxrss` (wait4).
//! A second image of a quarter of the size is run too, so the peaks of both sizes show that
//! Strata's memory does not grow with layer size.
//!
//! A child spawned while this process is large reports this process's peak as its own
//! `ru_maxrss` (seen here: every child at the builder's 90 MiB), so the archives are built
//! in a child process (`STRATA_BENCH_MAKE_ARCHIVE`) and this process stays small.
//!
//! skopeo 1.9 gzips every layer on `docker-archive:` → `oci:` (Strata keeps a docker
//! archive's layers as plain tars, see `strata_core::transfer::archive`), so skopeo is also run
//! with `--dest-oci-accept-uncompressed-layers`, which does the same work as Strata: that
//! is the like-for-like ratio. Files stay in the page cache; nothing is dropped between runs.
//!
//! `cargo bench -p strata-cli --bench import_export` (run from `make bench`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use strata_testkit::fixtures::Layer;

mod support;
use support::{docker_archive, env_or, time, Best};

const LAYERS: usize = 8;
const STRATA: &str = env!("CARGO_BIN_EXE_strata");
/// Set (to `MIB:PATH`) when this program runs as the archive builder.
const MAKE_ARCHIVE: &str = "STRATA_BENCH_MAKE_ARCHIVE";

fn main() {
    if let Ok(spec) = std::env::var(MAKE_ARCHIVE) {
        let (mib, path) = spec.split_once(':').expect("MIB:PATH");
        make_archive(&PathBuf::from(path), mib.parse().expect("MIB"));
        return;
    }
    let mib: usize = env_or("STRATA_BENCH_MIB", 1024);
    let runs: usize = env_or("STRATA_BENCH_RUNS", 3).max(1);
    assert!(
        Path::new("/usr/bin/skopeo").exists(),
        "skopeo is not installed: run `make deps`"
    );
    let work = tempfile::tempdir().expect("tempdir");

    let big = measure(work.path(), mib, runs);
    let small = measure(work.path(), (mib / 4).max(LAYERS), runs);

    for r in [&big, &small] {
        r.print();
    }
    println!(
        "strata peak RSS, {} MiB image vs {} MiB image ({} vs {} MiB layers): \
         import {:.1} vs {:.1} MiB, export {:.1} vs {:.1} MiB",
        big.mib,
        small.mib,
        big.mib / LAYERS,
        small.mib / LAYERS,
        big.strata_import.peak_mib(),
        small.strata_import.peak_mib(),
        big.strata_export.peak_mib(),
        small.strata_export.peak_mib(),
    );
}

/// One size: the archive, then every operation `runs` times.
struct Results {
    mib: usize,
    bytes: u64,
    runs: usize,
    strata_import: Best,
    skopeo_import: Best,
    skopeo_import_plain: Best,
    strata_export: Best,
    skopeo_export_plain: Best,
    skopeo_export_gzip: Best,
}

fn measure(root: &Path, mib: usize, runs: usize) -> Results {
    let dir = root.join(format!("{mib}"));
    fs::create_dir_all(&dir).expect("work folder");
    let archive = dir.join("image.tar");
    // In a child process: building the image in this one would raise every peak measured.
    time(
        Command::new(std::env::current_exe().expect("this program"))
            .env(MAKE_ARCHIVE, format!("{mib}:{}", archive.display())),
        &dir,
    );
    let bytes = fs::metadata(&archive).expect("archive").len();
    let src = format!("docker-archive:{}", archive.display());
    let out = dir.join("out.tar");
    let (store, gz, plain) = (dir.join("store"), dir.join("oci-gz"), dir.join("oci-plain"));

    let mut r = Results {
        mib,
        bytes,
        runs,
        strata_import: Best::default(),
        skopeo_import: Best::default(),
        skopeo_import_plain: Best::default(),
        strata_export: Best::default(),
        skopeo_export_plain: Best::default(),
        skopeo_export_gzip: Best::default(),
    };
    for i in 0..runs {
        eprintln!("{mib} MiB: run {}/{runs}…", i + 1);
        for d in [&store, &gz, &plain] {
            remove(d);
        }
        r.strata_import.add(time(
            Command::new(STRATA)
                .arg("--home")
                .arg(&store)
                .args(["import", "--json"])
                .arg(&archive),
            &dir,
        ));
        r.skopeo_import.add(time(
            Command::new("skopeo").args([
                "copy",
                "-q",
                &src,
                &format!("oci:{}:bench", gz.display()),
            ]),
            &dir,
        ));
        r.skopeo_import_plain.add(time(
            Command::new("skopeo").args([
                "copy",
                "-q",
                "--dest-oci-accept-uncompressed-layers",
                &src,
                &format!("oci:{}:bench", plain.display()),
            ]),
            &dir,
        ));

        remove(&out);
        r.strata_export.add(time(
            Command::new(STRATA)
                .arg("--home")
                .arg(&store)
                .args(["export", "--json", "--format", "docker", "bench:1"])
                .arg(&out),
            &dir,
        ));
        check_archive(&out);
        for (layout, best) in [
            (&plain, &mut r.skopeo_export_plain),
            (&gz, &mut r.skopeo_export_gzip),
        ] {
            remove(&out);
            best.add(time(
                Command::new("skopeo").args([
                    "copy",
                    "-q",
                    &format!("oci:{}:bench", layout.display()),
                    &format!("docker-archive:{}:bench:1", out.display()),
                ]),
                &dir,
            ));
        }
    }
    remove(&dir);
    r
}

/// `LAYERS` random layers as a docker archive; not timed.
fn make_archive(archive: &Path, mib: usize) {
    eprintln!("building a {mib} MiB, {LAYERS}-layer docker archive…");
    let layers = (0..LAYERS).map(|i| {
        Layer::random(&format!("l{i}"), (mib << 20) / LAYERS, 7000 + i as u64).expect("layer")
    });
    docker_archive(layers, archive);
}

/// What `strata export` wrote must be an archive skopeo reads, with every layer.
fn check_archive(path: &Path) {
    let out = Command::new("skopeo")
        .args(["inspect", &format!("docker-archive:{}", path.display())])
        .output()
        .expect("run skopeo inspect");
    assert!(
        out.status.success(),
        "skopeo cannot read strata's export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("inspect JSON");
    assert_eq!(v["Layers"].as_array().map(Vec::len), Some(LAYERS));
}

fn remove(path: &Path) {
    if path.is_dir() {
        fs::remove_dir_all(path).expect("remove folder");
    } else if path.exists() {
        fs::remove_file(path).expect("remove file");
    }
}

impl Results {
    fn print(&self) {
        println!(
            "{} MiB docker archive ({} bytes), {LAYERS} random layers of {} MiB, best of {}, \
             warm page cache",
            self.mib,
            self.bytes,
            self.mib / LAYERS,
            self.runs
        );
        println!(
            "{:<52} {:>9} {:>12} {:>13}",
            "operation", "seconds", "MiB/s", "peak RSS"
        );
        let rows = [
            ("import: strata import", &self.strata_import),
            (
                "import: skopeo copy → oci: (gzips layers)",
                &self.skopeo_import,
            ),
            (
                "import: skopeo copy → oci: (plain layers, as strata)",
                &self.skopeo_import_plain,
            ),
            ("export: strata export --format docker", &self.strata_export),
            (
                "export: skopeo copy oci: (plain) → docker-archive:",
                &self.skopeo_export_plain,
            ),
            (
                "export: skopeo copy oci: (gzip) → docker-archive:",
                &self.skopeo_export_gzip,
            ),
        ];
        for (what, b) in rows {
            let rate = self.bytes as f64 / b.secs() / (1 << 20) as f64;
            println!(
                "{what:<52} {:>7.2} s {:>6.1} MiB/s {:>9.1} MiB",
                b.secs(),
                rate,
                b.peak_mib()
            );
        }
        let ratio = |a: &Best, b: &Best| a.secs() / b.secs();
        println!(
            "ratio strata/skopeo (time; < 1 is strata faster): import {:.2} (like for like) \
             / {:.2} (skopeo gzipping), export {:.2} (like for like) / {:.2} (from gzip)",
            ratio(&self.strata_import, &self.skopeo_import_plain),
            ratio(&self.strata_import, &self.skopeo_import),
            ratio(&self.strata_export, &self.skopeo_export_plain),
            ratio(&self.strata_export, &self.skopeo_export_gzip),
        );
        println!();
    }
}
