//! What both benchmarks need: settings from the environment, and children run to their end
//! with their own wall time and peak memory (`wait4`'s rusage is one child's alone, where
//! `getrusage(RUSAGE_CHILDREN)` would mix all of them).

use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// A whole-number setting from the environment, else `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// One child's wall time, CPU time (user and system, on every core) and peak resident
/// memory.
#[derive(Debug, Clone, Copy, Default)]
pub struct Run {
    pub secs: f64,
    pub cpu_secs: f64,
    pub peak_kib: u64,
}

impl Run {
    /// Two children run one after the other: their times add up, their peaks do not.
    #[allow(dead_code)] // each bench is its own crate; archive_push adds import and push
    pub fn then(self, next: Run) -> Run {
        Run {
            secs: self.secs + next.secs,
            cpu_secs: self.cpu_secs + next.cpu_secs,
            peak_kib: self.peak_kib.max(next.peak_kib),
        }
    }
}

/// The fastest of several runs (with its CPU time), and the highest peak memory of them all.
#[derive(Debug, Default)]
pub struct Best {
    secs: Option<f64>,
    cpu_secs: f64,
    peak_kib: u64,
}

impl Best {
    pub fn add(&mut self, r: Run) {
        if self.secs.is_none_or(|s| r.secs < s) {
            self.secs = Some(r.secs);
            self.cpu_secs = r.cpu_secs;
        }
        self.peak_kib = self.peak_kib.max(r.peak_kib);
    }

    pub fn secs(&self) -> f64 {
        self.secs.unwrap_or(f64::NAN)
    }

    /// The CPU time of the fastest run.
    #[allow(dead_code)] // each bench is its own crate; archive_push reports it
    pub fn cpu_secs(&self) -> f64 {
        self.cpu_secs
    }

    #[allow(dead_code)] // each bench is its own crate; store_scale reports times only
    pub fn peak_mib(&self) -> f64 {
        self.peak_kib as f64 / 1024.0
    }
}

/// Runs `cmd` to its end and reaps it with `wait4`, whose `rusage` is this child's alone;
/// returns the run and the child's stdout.
pub fn run(cmd: &mut Command, dir: &Path) -> (Run, String) {
    let (out_log, err_log) = (dir.join("stdout.log"), dir.join("stderr.log"));
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(File::create(&out_log).expect("stdout log")))
        .stderr(Stdio::from(File::create(&err_log).expect("stderr log")));
    let start = Instant::now();
    // Reaped below by wait4, which std cannot do (it has no rusage).
    #[allow(clippy::zombie_processes)]
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (std reaps only in wait/try_wait, which
    // are never called on `child`); both pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    assert!(
        ok,
        "{cmd:?} failed ({status:#x}): {}",
        fs::read_to_string(&err_log).unwrap_or_default()
    );
    let stdout = fs::read_to_string(&out_log).unwrap_or_default();
    (
        Run {
            secs,
            cpu_secs: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            // Linux reports ru_maxrss in KiB.
            peak_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        },
        stdout,
    )
}

fn seconds(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// As [`run`], for a child whose output is not needed.
#[allow(dead_code)] // each bench is its own crate; `commit` reads the output instead
pub fn time(cmd: &mut Command, dir: &Path) -> Run {
    run(cmd, dir).0
}

/// `layers` (their gzip blobs) as one image in an OCI layout beside `archive`, turned into a
/// docker archive by skopeo, as users get them from `skopeo copy` or `docker save`; the
/// layout is removed after. Not timed.
#[allow(dead_code)] // each bench is its own crate; the archive benches use it
pub fn docker_archive(
    layers: impl IntoIterator<Item = strata_testkit::fixtures::Layer>,
    archive: &Path,
) {
    use strata_testkit::fixtures::{Image, OciLayout};
    let mut builder = Image::builder();
    for mut layer in layers {
        layer.tar = Vec::new(); // the layout holds only the gzip blob
        builder = builder.layer(layer);
    }
    let image = builder.build();
    let layout = archive.with_extension("layout");
    OciLayout::create(&layout)
        .and_then(|mut l| l.add_image(&image, "bench"))
        .expect("layout");
    drop(image);
    time(
        Command::new("skopeo").args([
            "copy",
            "-q",
            &format!("oci:{}:bench", layout.display()),
            &format!("docker-archive:{}:bench:1", archive.display()),
        ]),
        &layout, // its log goes with it
    );
    fs::remove_dir_all(&layout).expect("remove the layout");
}

/// Follows `Link: <…>; rel="next"` from `$START` with curl, counting the matches of
/// `$PATTERN` (a grep -o pattern for one listed name) in every page; prints the count.
#[allow(dead_code)] // each bench is its own crate; the listing benches use it
pub const CURL_LINK_LOOP: &str = r#"
url="$START"; total=0; base="${START%%/v2/*}"
while [ -n "$url" ]; do
  headers=$(mktemp); body=$(curl -sS -D "$headers" "$url")
  n=$(printf '%s' "$body" | grep -o "$PATTERN" | wc -l)
  total=$((total + n))
  next=$(grep -i '^link:' "$headers" | sed -n 's/.*<\([^>]*\)>.*/\1/p' | tr -d '\r')
  rm -f "$headers"
  if [ -n "$next" ]; then url="$base$next"; else url=""; fi
done
echo "$total"
"#;
