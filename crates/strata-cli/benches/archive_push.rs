//! A `docker save` archive to a registry, as a new user does it: `strata import` then
//! `strata push` (which gzips the archive's plain layers on every core) against `skopeo copy
//! docker-archive:… docker://…` (which compresses in parallel too), on the same archive in
//! the same run. The registry is on this machine, so Strata's default is gzip's fast
//! level 2 (a registry nearby); beside it, level 6 (the default for a registry that is
//! not nearby, asked for here with `--compression-level 6`), level 1, and nothing
//! compressed (the floor: what this machine and the registry take to move the bytes). The
//! archive holds `LAYERS` layers of data that gzip shrinks to about half, at the speed it has
//! on real layers (512 MiB by default; `STRATA_BENCH_MIB`). Each push goes into a fresh
//! docker-registry on 127.0.0.1 from a fresh import, so that nothing is skipped as already
//! there; best of `STRATA_BENCH_RUNS` (3), CPU time counted. Target: Strata's default ≤ 0.6×
//! skopeo's time.
//!
//! `cargo bench -p strata-cli --bench archive_push` (run from `make bench`).

use std::fs;
use std::path::Path;
use std::process::Command;

use strata_testkit::fixtures::{Entry, Layer};
use strata_testkit::registry::{Auth, Registry};

mod support;
use support::{docker_archive, env_or, run, time, Best};

const LAYERS: usize = 4;
/// What is pushed, with `strata push`'s flags: the default (for this registry on
/// loopback, gzip level 2: ISA-L's igzip on x86-64 Linux), level 6 (the default for a
/// registry across the internet), level 1, and nothing compressed, the floor of the
/// machine and the registry. Every gzip variant compresses on every core.
const VARIANTS: [(&str, &[&str]); 4] = [
    ("default (nearby)", &[]),
    ("level 6 (far default)", &["--compression-level", "6"]),
    ("level 1", &["--compression-level", "1"]),
    ("nothing compressed", &["--compression", "none"]),
];
const STRATA: &str = env!("CARGO_BIN_EXE_strata");
/// Set (to `MIB:PATH`) when this program runs as the archive builder.
const MAKE_ARCHIVE: &str = "STRATA_BENCH_MAKE_ARCHIVE";

fn main() {
    if let Ok(spec) = std::env::var(MAKE_ARCHIVE) {
        let (mib, path) = spec.split_once(':').expect("MIB:PATH");
        make_archive(Path::new(path), mib.parse().expect("MIB"));
        return;
    }
    let mib = env_or("STRATA_BENCH_MIB", 512);
    let runs = env_or("STRATA_BENCH_RUNS", 3).max(1);
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let archive = dir.join("image.tar");
    // In a child: building the layers here would make this process large for no reason.
    time(
        Command::new(std::env::current_exe().expect("this program"))
            .env(MAKE_ARCHIVE, format!("{mib}:{}", archive.display())),
        dir,
    );
    let bytes = fs::metadata(&archive).expect("archive").len();

    // [variant] → (import, push, import + push)
    let mut strata: Vec<[Best; 3]> = VARIANTS.iter().map(|_| Default::default()).collect();
    let mut skopeo = Best::default();
    let mut skopeo_sent = 0;
    let mut sent = vec![0; VARIANTS.len()];
    // The level each push reports it compressed at (none when it compressed nothing).
    let mut levels = vec![String::from("-"); VARIANTS.len()];
    for i in 0..runs {
        eprintln!("run {}/{runs}…", i + 1);
        for (v, (_, flags)) in VARIANTS.iter().enumerate() {
            // A home and a registry of its own for each variant, so that no push finds a
            // compressed variant or a blob another one left.
            let home = dir.join("home");
            let _ = fs::remove_dir_all(&home);
            let registry = Registry::start(Auth::None).expect("docker-registry");
            let remote = format!("{}/bench/app:1", registry.host());
            let imported = time(
                Command::new(STRATA)
                    .arg("--home")
                    .arg(&home)
                    .args(["import", "--json"])
                    .arg(&archive),
                dir,
            );
            let (pushed, out) = run(
                Command::new(STRATA)
                    .arg("--home")
                    .arg(&home)
                    .args(["push", "--json", "bench:1", &remote])
                    .args(*flags),
                dir,
            );
            let result: serde_json::Value = serde_json::from_str(&out).expect("push --json");
            sent[v] = result["bytes_uploaded"].as_u64().unwrap_or(0);
            if let Some(c) = result.get("compressed") {
                levels[v] = format!("{} {}", c["compression"], c["level"]).replace('"', "");
            }
            let [import, push, total] = &mut strata[v];
            import.add(imported);
            push.add(pushed);
            total.add(imported.then(pushed));
        }

        let registry = Registry::start(Auth::None).expect("docker-registry");
        let remote = format!("docker://{}/bench/app:1", registry.host());
        skopeo.add(time(
            Command::new("skopeo").args([
                "copy",
                "-q",
                "--dest-tls-verify=false",
                &format!("docker-archive:{}", archive.display()),
                &remote,
            ]),
            dir,
        ));
        // What skopeo's gzip made of the layers, from the manifest it pushed (not timed).
        let (_, manifest) = run(
            Command::new("skopeo").args(["inspect", "--raw", "--tls-verify=false", &remote]),
            dir,
        );
        let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("manifest");
        skopeo_sent = manifest["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .map(|l| l["size"].as_u64().expect("size"))
            .sum();
    }
    println!(
        "docker archive → registry, {mib} MiB in {LAYERS} layers ({:.0} MiB archive), best of {runs}, {} cores; CPU: user + system of strata's or skopeo's processes (not the registry's):",
        bytes as f64 / 1048576.0,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    for (v, (label, _)) in VARIANTS.iter().enumerate() {
        let [import, push, total] = &strata[v];
        println!(
            "  strata import + push, {label:<21} {:>6.2} s  {:>5.2}× skopeo  ({}; import {:.2} s, push {:.2} s; CPU {:.2} s; {:.0} MiB sent; peak {:.1} MiB)",
            total.secs(),
            total.secs() / skopeo.secs(),
            levels[v],
            import.secs(),
            push.secs(),
            total.cpu_secs(),
            sent[v] as f64 / 1048576.0,
            total.peak_mib()
        );
    }
    println!(
        "  skopeo copy (gzip, its default)             {:>6.2} s  (CPU {:.2} s; {:.0} MiB of layers sent; peak {:.1} MiB)",
        skopeo.secs(),
        skopeo.cpu_secs(),
        skopeo_sent as f64 / 1048576.0,
        skopeo.peak_mib()
    );
    println!(
        "  target: strata's default ≤ 0.6× skopeo; the last row is the floor of this machine and registry, with nothing compressed"
    );
}

/// Bytes that compress about as real layers do (gzip -6 to some 45%, at about the speed
/// it has on binaries and libraries): text from a vocabulary of 4,096 random words drawn
/// with a skewed frequency, with one 64 KiB block in eight of random bytes (an
/// already-compressed asset).
fn layer_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let words: Vec<Vec<u8>> = (0..4096)
        .map(|_| {
            let n = 2 + next() % 9;
            (0..n).map(|_| b'a' + (next() % 26) as u8).collect()
        })
        .collect();
    let mut out = Vec::with_capacity(len + (1 << 17));
    while out.len() < len {
        let end = out.len() + (1 << 16);
        if next() % 8 == 0 {
            while out.len() < end {
                out.extend_from_slice(&next().to_le_bytes());
            }
        } else {
            while out.len() < end {
                let r = next() % 4096;
                out.extend_from_slice(&words[(r * r / 4096) as usize]);
                out.push(if next() % 12 == 0 { b'\n' } else { b' ' });
            }
        }
    }
    out.truncate(len);
    out
}

/// The bench's docker archive; not timed.
fn make_archive(archive: &Path, mib: usize) {
    eprintln!("building a {mib} MiB, {LAYERS}-layer docker archive…");
    let layers = (0..LAYERS).map(|i| {
        let content = layer_bytes((mib << 20) / LAYERS, 9000 + i as u64);
        Layer::build(&[Entry::File {
            path: format!("data/l{i}.txt"),
            content,
            mode: 0o644,
        }])
        .expect("layer")
    });
    docker_archive(layers, archive);
}
