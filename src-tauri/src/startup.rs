//! The start-up probe behind `make bench-startup`: with
//! `STRATA_STARTUP_PROBE=1`, the first `ui_ready` from the UI prints how long the process
//! took to get its first screen on, then, after a few idle seconds, the resident memory of
//! the whole process tree (the app plus WebKit's web and network processes), and exits.
//! Without the variable it does nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::rendering::Compositing;

/// The variable that turns the probe on.
pub const PROBE_ENV: &str = "STRATA_STARTUP_PROBE";

/// How long the app sits idle before its memory is measured.
const IDLE: Duration = Duration::from_secs(3);

pub struct Probe {
    enabled: bool,
    started: Instant,
    /// The process's age when `started` was taken.
    age_at_start: Duration,
    fired: AtomicBool,
    /// How the webview composites, printed with the figures it explains.
    compositing: Compositing,
    /// Milestones on the way to the first screen (`mark`), printed with the ready line so
    /// that a slow launch says where its time went.
    marks: Mutex<Vec<(&'static str, Duration)>>,
}

impl Probe {
    pub fn from_env(compositing: Compositing) -> Self {
        Self {
            compositing,
            enabled: std::env::var_os(PROBE_ENV).is_some_and(|v| v == "1"),
            started: Instant::now(),
            age_at_start: process_age().unwrap_or_default(),
            fired: AtomicBool::new(false),
            marks: Mutex::new(Vec::new()),
        }
    }

    /// The process's age now.
    fn age(&self) -> Duration {
        self.age_at_start + self.started.elapsed()
    }

    /// Notes that the launch reached `what` (the first time only).
    pub fn mark(&self, what: &'static str) {
        if !self.enabled {
            return;
        }
        let age = self.age();
        if let Ok(mut marks) = self.marks.lock() {
            if !marks.iter().any(|(m, _)| *m == what) {
                marks.push((what, age));
            }
        }
    }

    pub fn ui_ready(&self, app: tauri::AppHandle) {
        if !self.enabled || self.fired.swap(true, Ordering::SeqCst) {
            return;
        }
        // Time before main() (exec, dynamic linking) counts too.
        let ready = self.age();
        let marks: String = self
            .marks
            .lock()
            .map(|m| {
                m.iter()
                    .map(|(what, at)| format!(" {what}_ms={}", at.as_millis()))
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "strata-startup ready_ms={} compositing={:?}{marks} main_ms={}",
            ready.as_millis(),
            self.compositing,
            self.age_at_start.as_millis()
        );
        std::thread::spawn(move || {
            std::thread::sleep(IDLE);
            match tree_memory(std::process::id()) {
                Some(m) => println!(
                    "strata-startup idle_rss_kb={} idle_pss_kb={} idle_uss_kb={} idle_dirty_kb={} \
                     processes={}",
                    m.rss_kb, m.pss_kb, m.uss_kb, m.dirty_kb, m.processes
                ),
                None => println!("strata-startup idle_rss_kb=unknown"),
            }
            app.exit(0);
        });
    }
}

/// Memory of a process and all its descendants.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TreeMemory {
    /// Sum of resident set sizes (counts shared libraries once per process).
    pub rss_kb: u64,
    /// Sum of proportional set sizes (shared pages split between their users).
    pub pss_kb: u64,
    /// Sum of unique set sizes (pages no other process maps: what quitting would free).
    pub uss_kb: u64,
    /// Sum of private dirty pages: what the processes allocated and wrote (heaps, the JS
    /// heap, stacks). Unlike PSS and USS it does not move when another program maps the
    /// same libraries, so it is the steadiest measure of the app's own memory.
    pub dirty_kb: u64,
    pub processes: usize,
}

/// How long this process has existed (exec, dynamic linking, Rust runtime set-up), at the
/// 10 ms resolution of /proc.
#[cfg(target_os = "linux")]
fn process_age() -> Option<Duration> {
    // Field 22 of /proc/self/stat is the start time in clock ticks since boot.
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let start_ticks: f64 = stat[stat.rfind(')')? + 2..]
        .split(' ')
        .nth(19)?
        .parse()
        .ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split(' ')
        .next()?
        .parse()
        .ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Duration::try_from_secs_f64(uptime - start_ticks / ticks).ok()
}

#[cfg(not(target_os = "linux"))]
fn process_age() -> Option<Duration> {
    None
}

#[cfg(target_os = "linux")]
pub fn tree_memory(root: u32) -> Option<TreeMemory> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some(ppid) = parent_of(pid) {
            parents.push((pid, ppid));
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    let mut total = TreeMemory::default();
    for pid in tree {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        total.rss_kb += kb_field(&status, "VmRSS:");
        total.pss_kb += kb_field(&rollup, "Pss:");
        let dirty = kb_field(&rollup, "Private_Dirty:");
        total.uss_kb += kb_field(&rollup, "Private_Clean:") + dirty;
        total.dirty_kb += dirty;
        total.processes += 1;
    }
    Some(total)
}

#[cfg(not(target_os = "linux"))]
pub fn tree_memory(_root: u32) -> Option<TreeMemory> {
    None
}

#[cfg(target_os = "linux")]
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    stat[stat.rfind(')')? + 2..].split(' ').nth(1)?.parse().ok()
}

/// The number in a `Name:   1234 kB` line of a /proc file, 0 when absent.
#[cfg(any(target_os = "linux", test))]
fn kb_field(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kilobytes_from_proc_lines() {
        let status = "Name:\tstrata-app\nVmRSS:\t   81234 kB\nThreads:\t12\n";
        assert_eq!(kb_field(status, "VmRSS:"), 81234);
        assert_eq!(kb_field(status, "Pss:"), 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_tree_of_this_test_includes_a_child_process() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep(1) is part of coreutils");
        let alone = TreeMemory {
            processes: 1,
            ..Default::default()
        };
        let m = tree_memory(std::process::id()).unwrap();
        let _ = child.kill();
        let _ = child.wait();
        assert!(m.processes >= 2, "{m:?}");
        assert!(m.rss_kb > alone.rss_kb, "{m:?}");
    }
}
