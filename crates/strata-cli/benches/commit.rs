//! Commit benchmark, in overlay mode, so as root.
//!
//! 1. **A small change in a large tree**: a root filesystem of 20,000 small files in nested
//!    folders (`STRATA_BENCH_FILES`), made an image with `strata import-rootfs`; 100 of its
//!    files are rewritten in a container and `strata commit` is timed, against
//!    `umoci repack` of the same change, on a bundle that `umoci unpack` made from a copy of
//!    the same store (an OCI layout), so umoci never writes into Strata's store. Target:
//!    Strata at least 10× faster, since an overlay commit reads only the upper folder while
//!    umoci walks the whole bundle.
//! 2. **A large change**: 1 GiB of incompressible files (`STRATA_BENCH_MIB`) written into a
//!    container, committed with gzip at the engine's default level, against the compressor
//!    alone on the same bytes (flate2, the engine's backend, in this process, writing
//!    nowhere, on one core). Target: ≤ 0.6× of it on 2 cores, since commit gzips in parallel
//!    blocks (`strata_core::layer::encode`).
//!
//! Each timed operation is a fresh child process, best of `STRATA_BENCH_RUNS` (3); its peak
//! memory is the child's `ru_maxrss` (wait4). Files stay in the page cache.
//!
//! `sudo cargo bench -p strata-cli --bench commit` (run from `make bench-commit`).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{env_or, run, Best, Run};

const STRATA: &str = env!("CARGO_BIN_EXE_strata");
/// Files per folder in the generated tree; folders nest ten to a parent.
const PER_DIR: usize = 100;
/// How many files the small change rewrites.
const CHANGED: usize = 100;
/// The gzip level `strata commit` uses when none is given (strata_core::layer::write).
const GZIP_LEVEL: u32 = 6;
/// The image the tree becomes, and its full name in `index.json` (what umoci reads).
const BASE: &str = "bench/rootfs:1";
const BASE_FULL: &str = "docker.io/bench/rootfs:1";
/// The large change is written, and fed to gzip, this many bytes at a time.
const PIECE: usize = 1 << 20;

fn main() {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!(
            "the commit benchmark needs root: it measures overlay containers, which only \
             root can mount here; `make bench-commit` runs it with sudo"
        );
        std::process::exit(1);
    }
    assert!(
        Path::new("/usr/bin/umoci").exists(),
        "umoci is not installed: run `make deps`"
    );
    let files = env_or("STRATA_BENCH_FILES", 20_000).max(CHANGED);
    let mib = env_or("STRATA_BENCH_MIB", 1024).max(1);
    let runs = env_or("STRATA_BENCH_RUNS", 3).max(1);

    let work = tempfile::tempdir().expect("tempdir");
    let home = work.path().join("store");
    // Dropped before `work`: unmounts every container before its folder is removed.
    let mut containers = Containers {
        home: home.clone(),
        names: Vec::new(),
    };

    small_change(work.path(), &mut containers, files, runs);
    large_change(&mut containers, mib, runs);
}

/// The containers this run made, removed (and unmounted) at the end, panics included.
struct Containers {
    home: PathBuf,
    names: Vec<String>,
}

impl Containers {
    fn strata(&self) -> Command {
        let mut c = Command::new(STRATA);
        c.arg("--home").arg(&self.home);
        c
    }

    /// Creates an overlay container of `image` and returns its merged root on the host.
    fn create(&mut self, image: &str, name: &str) -> PathBuf {
        let out = self
            .strata()
            .args([
                "create", "--mode", "overlay", "--json", "--name", name, image,
            ])
            .output()
            .expect("run strata create");
        assert!(
            out.status.success(),
            "strata create (overlay mode) failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.names.push(name.to_string());
        let info: serde_json::Value = serde_json::from_slice(&out.stdout).expect("create JSON");
        let id = info["id"].as_str().expect("container id");
        // The layout strata_core::container documents; the overlay stays mounted after create.
        self.home.join("containers").join(id).join("rootfs")
    }

    /// Times `strata commit NAME REF`, and returns how many paths the new layer holds.
    fn commit(&self, name: &str, reference: &str, dir: &Path) -> (Run, u64) {
        let (r, stdout) = run(
            self.strata().args([
                "commit",
                "--json",
                "-m",
                "benchmark",
                "-a",
                "bench",
                name,
                reference,
            ]),
            dir,
        );
        let done: serde_json::Value = serde_json::from_str(&stdout).expect("commit JSON");
        (r, done["changes"].as_u64().unwrap_or(0))
    }
}

impl Drop for Containers {
    fn drop(&mut self) {
        for name in &self.names {
            let ok = self
                .strata()
                .args(["rm", name])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                eprintln!("could not remove container {name}; its overlay may still be mounted");
            }
        }
    }
}

/// Part 1: 100 files rewritten in a `files`-file tree, strata commit vs umoci repack.
fn small_change(work: &Path, containers: &mut Containers, files: usize, runs: usize) {
    eprintln!("writing a {files}-file root filesystem…");
    let tree = work.join("tree");
    let paths = make_tree(&tree, files);
    let tree_bytes: u64 = paths
        .iter()
        .map(|p| fs::metadata(tree.join(p)).map_or(0, |m| m.len()))
        .sum();
    let status = containers
        .strata()
        .args(["import-rootfs", "--json", "--tag", BASE])
        .arg(&tree)
        .stdout(Stdio::null())
        .status()
        .expect("run strata import-rootfs");
    assert!(status.success(), "strata import-rootfs failed");
    fs::remove_dir_all(&tree).expect("remove tree");

    // umoci's own copy of the layout: the parts of the store an OCI layout has.
    let layout = work.join("layout");
    fs::create_dir_all(&layout).expect("layout");
    for part in ["oci-layout", "index.json", "blobs"] {
        let status = Command::new("cp")
            .arg("-a")
            .arg(containers.home.join(part))
            .arg(&layout)
            .status()
            .expect("run cp");
        assert!(status.success(), "cannot copy the store's {part}");
    }

    // Every (files / 100)th file: spread over the tree, as a package install would be.
    let changed: Vec<&String> = paths
        .iter()
        .step_by(paths.len() / CHANGED)
        .take(CHANGED)
        .collect();

    let mut strata = Best::default();
    let mut umoci = Best::default();
    let mut layer_paths = 0;
    for i in 0..runs {
        eprintln!("small change: run {}/{runs}…", i + 1);
        let name = format!("small{i}");
        let root = containers.create(BASE, &name);
        rewrite(&root, &changed, i as u64);
        let (r, n) = containers.commit(&name, &format!("bench/small:{i}"), work);
        strata.add(r);
        layer_paths = n;

        let bundle = work.join(format!("bundle{i}"));
        let image = format!("{}:{BASE_FULL}", layout.display());
        run(
            Command::new("umoci")
                .args(["unpack", "--image", &image])
                .arg(&bundle),
            work,
        );
        rewrite(&bundle.join("rootfs"), &changed, i as u64);
        let target = format!("{}:umoci-{i}", layout.display());
        let (r, _) = run(
            Command::new("umoci")
                .args(["repack", "--image", &target])
                .arg(&bundle),
            work,
        );
        umoci.add(r);
        fs::remove_dir_all(&bundle).expect("remove bundle");
    }
    assert!(
        layer_paths >= CHANGED as u64,
        "strata's layer holds {layer_paths} paths, fewer than the {CHANGED} files changed"
    );

    println!(
        "commit: {CHANGED} changed files in a {files}-file root filesystem ({:.1} MiB), \
         overlay, best of {runs}",
        tree_bytes as f64 / (1 << 20) as f64
    );
    println!("{:<40} {:>9} {:>13}", "operation", "seconds", "peak RSS");
    for (what, b) in [
        ("strata commit", &strata),
        ("umoci repack (same change)", &umoci),
    ] {
        println!("{what:<40} {:>7.3} s {:>9.1} MiB", b.secs(), b.peak_mib());
    }
    println!(
        "strata's layer: {layer_paths} paths; umoci repack / strata commit: {:.1}× \
         (target ≥ 10×)",
        umoci.secs() / strata.secs()
    );
    println!();
}

/// Part 2: `mib` MiB of random files committed, vs gzip alone on the same bytes.
fn large_change(containers: &mut Containers, mib: usize, runs: usize) {
    let file_mib = mib.min(64);
    let count = mib / file_mib;
    let pieces = file_mib * (1 << 20) / PIECE;
    eprintln!("writing a {mib} MiB change ({count} files of {file_mib} MiB)…");
    let root = containers.create(BASE, "large");
    let dir = root.join("data");
    fs::create_dir_all(&dir).expect("data folder");
    // Small pieces: a child spawned while this process is large reports its peak as theirs.
    let mut buf = vec![0u8; PIECE];
    for k in 0..count {
        let mut f = File::create(dir.join(format!("blob{k:03}"))).expect("write change");
        for p in 0..pieces {
            fill(piece_seed(k, p), &mut buf);
            f.write_all(&buf).expect("write change");
        }
    }
    let bytes = (count * pieces * PIECE) as u64;

    let mut strata = Best::default();
    let work = containers
        .home
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    for i in 0..runs {
        eprintln!("large change: commit {}/{runs}…", i + 1);
        let (r, _) = containers.commit("large", &format!("bench/large:{i}"), &work);
        strata.add(r);
    }

    // The compressor alone: the same bytes, in the same order, into nowhere.
    let mut gzip = Best::default();
    for i in 0..runs {
        eprintln!("gzip alone: run {}/{runs}…", i + 1);
        let mut encoder =
            flate2::write::GzEncoder::new(std::io::sink(), flate2::Compression::new(GZIP_LEVEL));
        let mut spent = Duration::ZERO;
        for k in 0..count {
            for p in 0..pieces {
                fill(piece_seed(k, p), &mut buf); // not timed: only the compression is
                let t = Instant::now();
                encoder.write_all(&buf).expect("gzip");
                spent += t.elapsed();
            }
        }
        let t = Instant::now();
        encoder.finish().expect("gzip");
        spent += t.elapsed();
        gzip.add(Run {
            secs: spent.as_secs_f64(),
            ..Run::default()
        });
    }

    println!(
        "commit: a {mib} MiB change ({count} random files of {file_mib} MiB), gzip level \
         {GZIP_LEVEL}, best of {runs}"
    );
    println!(
        "{:<40} {:>9} {:>12} {:>13}",
        "operation", "seconds", "MiB/s", "peak RSS"
    );
    let rate = |b: &Best| bytes as f64 / b.secs() / (1 << 20) as f64;
    println!(
        "{:<40} {:>7.2} s {:>6.1} MiB/s {:>9.1} MiB",
        "strata commit",
        strata.secs(),
        rate(&strata),
        strata.peak_mib()
    );
    println!(
        "{:<40} {:>7.2} s {:>6.1} MiB/s {:>13}",
        "flate2 gzip alone, same bytes",
        gzip.secs(),
        rate(&gzip),
        "-"
    );
    println!(
        "strata commit / gzip alone on one core: {:.2}× (target ≤ 0.6× on 2 cores)",
        strata.secs() / gzip.secs()
    );
}

fn piece_seed(file: usize, piece: usize) -> u64 {
    ((1000 + file as u64) << 20) | piece as u64
}

/// `files` files of 256 B to 4 KiB in folders `dNN/sN/`, `PER_DIR` to a folder; returns
/// their paths relative to `root`, in creation order.
fn make_tree(root: &Path, files: usize) -> Vec<String> {
    let mut paths = Vec::with_capacity(files);
    let mut buf = vec![0u8; 4096];
    for i in 0..files {
        let folder = i / PER_DIR;
        let rel = format!("d{:02}/s{}/f{:03}", folder / 10, folder % 10, i % PER_DIR);
        let path = root.join(&rel);
        if i % PER_DIR == 0 {
            fs::create_dir_all(path.parent().expect("parent")).expect("folder");
        }
        fill(i as u64, &mut buf);
        let len = 256 + (u16::from_le_bytes([buf[0], buf[1]]) as usize % 3841);
        fs::write(&path, &buf[..len]).expect("write file");
        paths.push(rel);
    }
    paths
}

/// New content for each changed file (different per run, so no two commits are equal).
fn rewrite(root: &Path, changed: &[&String], run: u64) {
    let mut buf = vec![0u8; 2048];
    for (k, rel) in changed.iter().enumerate() {
        fill(1_000_000 * (run + 1) + k as u64, &mut buf);
        let mut f = File::create(root.join(rel)).expect("rewrite a file");
        f.write_all(&buf).expect("rewrite a file");
    }
}

/// Fills `buf` with xorshift64 output: incompressible to gzip, and fast enough not to
/// matter next to what is measured.
fn fill(seed: u64, buf: &mut [u8]) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for chunk in buf.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
}
