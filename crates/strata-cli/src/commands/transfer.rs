//! `strata pull` and `strata push`: parse, one engine call, render. Progress goes to
//! stderr through [`Bars`]: one live bar per blob on a terminal, one line per state change
//! otherwise (logs and CI), nothing with `--json`. Ctrl-C cancels cleanly (no partial image).

use crate::render::size as human;

use strata_core::catalog;
use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};
use strata_core::reference::Reference;
use strata_core::registry::{self, RegistryError};
use strata_core::settings::{PushCompression, SettingsFile};
use strata_core::store::Store;
use strata_core::task::{CancellationToken, TaskCtx};
use strata_core::transfer::{self, LayerCompression, PullOptions, PushOptions};

use crate::progress::Bars;

use super::access::AccessArgs;
use crate::render;
use crate::vocabulary::CliHint;

fn open_store(home: &Home) -> Result<Store, Problem> {
    Store::open(&home.path).map_err(|e| e.problem())
}

/// Runs a transfer (see [`super::runtime::block_on`]), cancelling it on Ctrl-C.
fn run<T>(
    work: impl AsyncFnOnce(CancellationToken) -> Result<T, RegistryError>,
) -> Result<T, Problem> {
    let cancel = crate::interrupt::token();
    super::runtime::block_on(async { work(cancel).await.map_err(|e| e.problem()) })?
}

pub fn pull(
    home: &Home,
    reference: &str,
    platform: Option<&str>,
    args: AccessArgs,
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
        mirrors: catalog::access::mirrors(home, &reference.registry, &reference.repository)
            .map_err(|e| e.problem())?,
    };
    let store = open_store(home)?;
    let view = Bars::new(json);
    let result = run(async |cancel| {
        transfer::pull(&store, &reference, &options, TaskCtx::new(&view, &cancel)).await
    });
    view.finish();
    let result = result?;
    if json {
        return render::json(&result);
    }
    println!("Pulled {}", result.name);
    println!("Digest: {}", result.digest);
    if let Some(m) = &result.mirror {
        println!("Through mirror: {m}");
    }
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

/// `--compression` and `--compression-level`, each defaulting to the app's setting.
pub struct Compress {
    pub how: Option<PushCompression>,
    pub level: Option<i32>,
}

impl Compress {
    fn layers(&self, home: &Home) -> LayerCompression {
        let saved = SettingsFile::current(home);
        let how = self.how.unwrap_or(saved.push_compression);
        how.layers(self.level.unwrap_or(saved.push_compression_level))
    }
}

pub fn push(
    home: &Home,
    local: &str,
    remote: Option<&str>,
    compress: Compress,
    args: AccessArgs,
    json: bool,
) -> Result<(), Problem> {
    let target = Reference::parse(remote.unwrap_or(local)).map_err(|e| {
        let p = e.problem();
        if remote.is_none() {
            p.with_hint(CliHint::PushRemoteName)
        } else {
            p
        }
    })?;
    let options = PushOptions {
        registry: args.options(home, &target)?,
        compression: compress.layers(home),
        ..Default::default()
    };
    let store = open_store(home)?;
    let view = Bars::new(json);
    let result = run(async |cancel| {
        transfer::push(
            &store,
            local,
            &target,
            &options,
            TaskCtx::new(&view, &cancel),
        )
        .await
    });
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
    if let Some(c) = result.compressed {
        let why = if c.nearby {
            ": the registry is on this machine or a private network"
        } else {
            ""
        };
        println!(
            "Compressed: {} layer{} ({} level {}{why})",
            c.layers,
            if c.layers == 1 { "" } else { "s" },
            c.compression,
            c.level
        );
    }
    Ok(())
}
