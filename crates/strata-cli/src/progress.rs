//! Progress on stderr, drawn from the engine's reports ([`strata_core::task::Unit`]) for
//! every long command (pull, push, copy, import, export): one live bar per unit on a
//! terminal; one line per state change otherwise (logs and CI) for transfers, nothing for
//! the commands whose only output on a pipe is their result; nothing with `--json`. A
//! unit read out of another one (a blob of an imported archive) names itself on that
//! unit's bar instead of taking a bar of its own. The bars add nothing up: totals are the
//! engine's.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use strata_core::digest::Digest;
use strata_core::task::{Progress, Unit, UnitKind, UnitState};

use crate::render::size as human;

/// Renders unit reports on stderr.
pub enum Bars {
    Quiet,
    /// Not a terminal: a line per state change.
    Lines(Mutex<HashMap<String, UnitState>>),
    Live {
        multi: MultiProgress,
        bars: Mutex<HashMap<String, ProgressBar>>,
    },
}

impl Bars {
    /// Quiet with `--json`; bars on a terminal; lines otherwise.
    pub fn new(json: bool) -> Bars {
        if json {
            Bars::Quiet
        } else if std::io::stderr().is_terminal() {
            Bars::Live {
                multi: MultiProgress::new(),
                bars: Mutex::new(HashMap::new()),
            }
        } else {
            Bars::Lines(Mutex::new(HashMap::new()))
        }
    }

    /// Bars on a terminal, nothing otherwise (and nothing with `--json`): for commands
    /// whose only output on a pipe is their result (import, export).
    pub fn on_terminal(json: bool) -> Bars {
        Bars::new(json || !std::io::stderr().is_terminal())
    }

    /// Finished bars stay on screen as a record; unfinished ones (a failure) stop.
    pub fn finish(&self) {
        if let Bars::Live { bars, .. } = self {
            if let Ok(bars) = bars.lock() {
                for bar in bars.values().filter(|b| !b.is_finished()) {
                    bar.abandon();
                }
            }
        }
    }
}

/// How a unit is named on screen: a digest's first 12 hex digits, a path's last part.
fn label(u: &Unit) -> String {
    if u.id.starts_with("sha256:") {
        Digest::shorten(&u.id).to_string()
    } else {
        Path::new(&u.id)
            .file_name()
            .map_or_else(|| u.id.clone(), |n| n.to_string_lossy().into_owned())
    }
}

fn kind_word(k: UnitKind) -> &'static str {
    match k {
        UnitKind::Config => "config",
        UnitKind::Layer => "layer",
        UnitKind::Manifest => "manifest",
        UnitKind::Blob => "blob",
        UnitKind::Archive => "archive",
        UnitKind::Folder => "folder",
        UnitKind::Compress => "compress",
    }
}

fn state_word(s: UnitState) -> &'static str {
    match s {
        UnitState::Waiting => "waiting",
        UnitState::Skipped => "already there",
        UnitState::Mounted => "mounted",
        UnitState::Transferring => "transferring",
        UnitState::Verifying => "verifying",
        UnitState::Done => "done",
    }
}

fn new_bar(multi: &MultiProgress, u: &Unit) -> ProgressBar {
    let (bar, template) = match u.total {
        Some(total) => (
            ProgressBar::new(total),
            "{prefix} [{bar:30}] {bytes:>10}/{total_bytes:<10} {binary_bytes_per_sec:>12} {msg}",
        ),
        None => (
            ProgressBar::no_length(),
            "{prefix} {bytes:>10} {binary_bytes_per_sec:>12} {msg}",
        ),
    };
    let bar = multi.add(bar);
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(format!("{} {}", kind_word(u.kind), label(u)));
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

impl Progress for Bars {
    fn update(&self, u: Unit) {
        match self {
            Bars::Quiet => {}
            Bars::Lines(seen) => {
                // Only the start and the end of each unit: a log wants few lines.
                if matches!(u.state, UnitState::Waiting | UnitState::Verifying) {
                    return;
                }
                let Ok(mut seen) = seen.lock() else { return };
                if seen.insert(u.id.clone(), u.state) != Some(u.state) {
                    let size = u
                        .total
                        .map_or_else(String::new, |t| format!(" {}", human(t)));
                    eprintln!(
                        "{} {}{size}: {}",
                        label(&u),
                        kind_word(u.kind),
                        state_word(u.state)
                    );
                }
            }
            Bars::Live { multi, bars } => {
                let Ok(mut bars) = bars.lock() else { return };
                if let Some(within) = &u.within {
                    if let Some(bar) = bars.get(within) {
                        bar.set_message(format!("{} {}", kind_word(u.kind), label(&u)));
                    }
                    return;
                }
                let bar = bars
                    .entry(u.id.clone())
                    .or_insert_with(|| new_bar(multi, &u));
                if let Some(total) = u.total {
                    bar.set_length(total);
                }
                bar.set_position(u.done);
                bar.set_message(state_word(u.state));
                if u.state.is_final() {
                    bar.finish();
                }
            }
        }
    }
}
