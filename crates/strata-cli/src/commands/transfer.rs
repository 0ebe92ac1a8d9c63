//! `strata pull` and `strata push`: parse, one engine call, render. Progress goes to
//! stderr: one live bar per layer on a terminal, one line per state change otherwise
//! (logs and CI), nothing with `--json`. Ctrl-C cancels cleanly (no partial image).

use crate::render::size as human;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};
use strata_core::reference::Reference;
use strata_core::registry::{
    self, BlobKind, Credentials, PullOptions, PushOptions, RegistryOptions, TransferProgress,
    TransferState, TransferUpdate,
};
use strata_core::store::Store;
use tokio_util::sync::CancellationToken;

use crate::render;

/// What both commands take about the registry.
pub struct RegistryArgs<'a> {
    pub creds: Option<&'a str>,
    pub insecure: bool,
}

impl RegistryArgs<'_> {
    /// `--creds` when given, else the login saved for this registry and repository
    /// (`strata login`), else anonymous; plus the saved registry's settings (`strata
    /// registries add --insecure --ca-file`).
    fn options(&self, home: &Home, target: &Reference) -> Result<RegistryOptions, Problem> {
        let credentials = match self.creds {
            None => None,
            Some(text) => Some(Credentials::from_user_pass(text).ok_or_else(|| {
                Problem::new("cli.creds", "--creds must be USER:PASSWORD")
                    .with_hint("for example --creds ann:s3cret; the password may contain `:`")
            })?),
        };
        let access = strata_core::catalog::Access {
            credentials,
            insecure: self.insecure,
        };
        strata_core::catalog::registry_options(home, &target.registry, &target.repository, &access)
            .map_err(|e| e.problem())
    }
}

fn open_store(home: &Home) -> Result<Store, Problem> {
    Store::open(&home.path).map_err(|e| e.problem())
}

/// Runs a transfer (see [`super::runtime::block_on`]), cancelling it on Ctrl-C.
fn run<T>(
    work: impl AsyncFnOnce(CancellationToken) -> Result<T, registry::RegistryError>,
) -> Result<T, Problem> {
    super::runtime::block_on(async {
        let cancel = CancellationToken::new();
        let on_signal = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_signal.cancel();
            }
        });
        work(cancel).await.map_err(|e| e.problem())
    })?
}

pub fn pull(
    home: &Home,
    reference: &str,
    platform: Option<&str>,
    args: RegistryArgs,
    json: bool,
) -> Result<(), Problem> {
    let reference = Reference::parse(reference).map_err(|e| e.problem())?;
    let platform = platform
        .map(registry::parse_platform)
        .transpose()
        .map_err(|e| e.problem())?;
    let options = PullOptions {
        registry: args.options(home, &reference)?,
        platform,
        concurrency: 0,
    };
    let store = open_store(home)?;
    let view = Progress::new(json);
    let result =
        run(async |cancel| registry::pull(&store, &reference, &options, &view, &cancel).await);
    view.finish();
    let result = result?;
    if json {
        return render::json(&result);
    }
    println!("Pulled {}", result.name);
    println!("Digest: {}", result.digest);
    if let Some(p) = &result.platform {
        println!("Platform: {p}");
    }
    println!(
        "Layers and config: {} fetched ({}), {} already present",
        result.fetched,
        human(result.bytes_fetched),
        result.skipped
    );
    Ok(())
}

pub fn push(
    home: &Home,
    local: &str,
    remote: Option<&str>,
    args: RegistryArgs,
    json: bool,
) -> Result<(), Problem> {
    let target = Reference::parse(remote.unwrap_or(local)).map_err(|e| {
        let p = e.problem();
        if remote.is_none() {
            p.with_hint("give the remote name: strata push LOCAL REGISTRY/REPOSITORY[:TAG]")
        } else {
            p
        }
    })?;
    let options = PushOptions {
        registry: args.options(home, &target)?,
        ..Default::default()
    };
    let store = open_store(home)?;
    let view = Progress::new(json);
    let result =
        run(async |cancel| registry::push(&store, local, &target, &options, &view, &cancel).await);
    view.finish();
    let result = result?;
    if json {
        return render::json(&result);
    }
    println!("Pushed {}", result.name);
    println!("Digest: {}", result.digest);
    println!(
        "Blobs: {} uploaded ({}), {} mounted, {} already there",
        result.uploaded,
        human(result.bytes_uploaded),
        result.mounted,
        result.skipped
    );
    Ok(())
}

fn kind_word(k: BlobKind) -> &'static str {
    match k {
        BlobKind::Config => "config",
        BlobKind::Layer => "layer",
        BlobKind::Manifest => "manifest",
    }
}

fn state_word(s: TransferState) -> &'static str {
    match s {
        TransferState::Waiting => "waiting",
        TransferState::Skipped => "already there",
        TransferState::Mounted => "mounted",
        TransferState::Transferring => "transferring",
        TransferState::Verifying => "verifying",
        TransferState::Done => "done",
    }
}

/// Renders transfer updates on stderr.
enum Progress {
    Quiet,
    /// Not a terminal: a line per state change.
    Lines(Mutex<HashMap<String, TransferState>>),
    Bars {
        multi: MultiProgress,
        bars: Mutex<HashMap<String, ProgressBar>>,
    },
}

impl Progress {
    fn new(json: bool) -> Progress {
        if json {
            Progress::Quiet
        } else if std::io::stderr().is_terminal() {
            Progress::Bars {
                multi: MultiProgress::new(),
                bars: Mutex::new(HashMap::new()),
            }
        } else {
            Progress::Lines(Mutex::new(HashMap::new()))
        }
    }

    fn finish(&self) {
        // Finished bars stay on screen as a record; unfinished ones (a failure) stop.
        if let Progress::Bars { bars, .. } = self {
            if let Ok(bars) = bars.lock() {
                for bar in bars.values().filter(|b| !b.is_finished()) {
                    bar.abandon();
                }
            }
        }
    }
}

fn short(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..hex.len().min(12)]
}

impl TransferProgress for Progress {
    fn update(&self, u: TransferUpdate) {
        match self {
            Progress::Quiet => {}
            Progress::Lines(seen) => {
                // Only the start and the end of each blob: a log wants few lines.
                if matches!(u.state, TransferState::Waiting | TransferState::Verifying) {
                    return;
                }
                let Ok(mut seen) = seen.lock() else { return };
                if seen.insert(u.id.clone(), u.state) != Some(u.state) {
                    eprintln!(
                        "{} {} {}: {}",
                        short(&u.id),
                        kind_word(u.kind),
                        human(u.total),
                        state_word(u.state)
                    );
                }
            }
            Progress::Bars { multi, bars } => {
                let Ok(mut bars) = bars.lock() else { return };
                let bar = bars.entry(u.id.clone()).or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new(u.total));
                    let style = ProgressStyle::with_template(
                        "{prefix} [{bar:30}] {bytes:>10}/{total_bytes:<10} {binary_bytes_per_sec:>12} {msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
                    bar.set_style(style);
                    bar.set_prefix(short(&u.id).to_string());
                    bar.enable_steady_tick(Duration::from_millis(250));
                    bar
                });
                bar.set_position(u.done);
                bar.set_message(state_word(u.state));
                if matches!(
                    u.state,
                    TransferState::Done | TransferState::Skipped | TransferState::Mounted
                ) {
                    bar.finish();
                }
            }
        }
    }
}
