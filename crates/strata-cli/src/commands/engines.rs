//! `strata engines`, `strata send`, `strata import --from podman`: the container engines
//! beside Strata. Parse, one engine call, render.

use std::path::Path;

use strata_core::engines::{self, EngineKind, Podman};
use strata_core::home::Home;
use strata_core::image::ImportOptions;
use strata_core::problem::{Explain, Problem};
use strata_core::reference::Reference;
use strata_core::store::Store;
use strata_core::task::TaskCtx;

use crate::progress::Bars;
use crate::render;

fn engine(name: Option<&str>, podman: &Podman) -> Result<EngineKind, Problem> {
    match name {
        Some(name) => name.parse::<EngineKind>(),
        None => engines::default_engine(podman),
    }
    .map_err(|e| e.problem())
}

pub fn list(json: bool) -> Result<(), Problem> {
    let found = engines::engines(&Podman::from_env());
    if json {
        return render::json(&found);
    }
    for e in &found {
        let state = match (e.found, e.usable) {
            (true, true) => "ready",
            (true, false) => "found, not usable",
            (false, _) => "not found",
        };
        let version = e.version.as_deref().unwrap_or("-");
        println!(
            "{:<8} {:<18} {:<10} {}",
            e.kind.as_str(),
            state,
            version,
            e.detail
        );
    }
    Ok(())
}

pub fn send(home: &Home, image: &str, to: Option<&str>, json: bool) -> Result<(), Problem> {
    let podman = Podman::from_env();
    let kind = engine(to, &podman)?;
    let store = Store::open(&home.path).map_err(|e| e.problem())?;
    let cancel = crate::interrupt::token();
    let bar = Bars::on_terminal(json);
    let result = engines::send(&store, kind, &podman, image, TaskCtx::new(&bar, &cancel));
    bar.finish();
    let sent = result.map_err(|e| e.problem())?;
    if json {
        return render::json(&sent);
    }
    for name in &sent.loaded {
        println!("Sent to {}: {name}", kind.as_str());
    }
    if sent.loaded.is_empty() {
        println!("Sent to {}: {image}", kind.as_str());
    }
    Ok(())
}

pub fn import(
    home: &Home,
    from: &str,
    image: &Path,
    tag: Option<&str>,
    json: bool,
) -> Result<(), Problem> {
    let podman = Podman::from_env();
    let kind = engine(Some(from), &podman)?;
    let image = image.to_string_lossy();
    let tag = tag
        .map(|t| Reference::parse(t).map_err(|e| e.problem()))
        .transpose()?;
    let store = Store::open(&home.path).map_err(|e| e.problem())?;
    let cancel = crate::interrupt::token();
    let bar = Bars::on_terminal(json);
    let result = engines::import_from(
        &store,
        kind,
        &podman,
        &image,
        &ImportOptions { tag },
        TaskCtx::new(&bar, &cancel),
    );
    bar.finish();
    let imported = result.map_err(|e| e.problem())?;
    if json {
        return render::json(&imported);
    }
    for i in &imported.images {
        println!("Loaded image: {} {}", i.name, i.digest);
    }
    Ok(())
}
