//! `strata mirrors` and `strata proxy`: how registries are reached from a network that
//! needs mirrors or a proxy. Each action is one settings call, then rendering.

use std::path::PathBuf;

use serde::Serialize;
use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};
use strata_core::registry::http::PROXY_VARS;
use strata_core::settings::{MirrorSource, ProxySettings, SettingsFile};

use crate::cli::{MirrorsAction, ProxyAction};
use crate::render;

fn file(home: &Home) -> Result<SettingsFile, Problem> {
    SettingsFile::for_home(home).map_err(|e| e.problem())
}

pub fn mirrors(home: &Home, action: Option<MirrorsAction>, json: bool) -> Result<(), Problem> {
    let file = file(home)?;
    let import = |source: MirrorSource, path: Option<PathBuf>| -> Result<(), Problem> {
        let done = file
            .import_mirrors(source, path.as_deref())
            .map_err(|e| e.problem())?;
        if json {
            return render::json(&done);
        }
        println!(
            "Imported {} new mirror(s) from {}",
            done.added,
            done.path.display()
        );
        for s in &done.skipped {
            println!("Skipped {s}: a mirror with a namespace is not supported");
        }
        print_mirrors(&done.mirrors);
        Ok(())
    };
    match action.unwrap_or(MirrorsAction::Ls) {
        MirrorsAction::Ls => {
            let settings = file.load().map_err(|e| e.problem())?;
            if json {
                return render::json(&settings.mirrors);
            }
            print_mirrors(&settings.mirrors);
            Ok(())
        }
        MirrorsAction::Add { registry, url } => {
            let (settings, new) = file.add_mirror(&registry, &url).map_err(|e| e.problem())?;
            if json {
                return render::json(&settings.mirrors);
            }
            if !new {
                println!("Already a mirror of {registry}");
            }
            print_mirrors(&settings.mirrors);
            Ok(())
        }
        MirrorsAction::Rm { registry, url } => {
            let (settings, removed) = file
                .remove_mirror(&registry, url.as_deref())
                .map_err(|e| e.problem())?;
            if json {
                return render::json(&settings.mirrors);
            }
            println!("Removed {removed} mirror(s)");
            print_mirrors(&settings.mirrors);
            Ok(())
        }
        MirrorsAction::ImportDocker { path } => import(MirrorSource::Docker, path),
        MirrorsAction::ImportContainers { path } => import(MirrorSource::Containers, path),
    }
}

fn print_mirrors(mirrors: &std::collections::BTreeMap<String, Vec<String>>) {
    if mirrors.is_empty() {
        println!("No mirrors: every registry is reached directly");
    }
    for (registry, urls) in mirrors {
        println!("{registry}");
        for url in urls {
            println!("  {url}");
        }
    }
}

/// The proxy as `strata proxy show` reports it.
#[derive(Serialize)]
struct ProxyView {
    /// `settings`, `environment` or `none`.
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    settings: Option<ProxySettings>,
    /// The environment's proxy variables that are set, passwords hidden.
    environment: Vec<(String, String)>,
}

fn without_password(value: &str) -> String {
    match url::Url::parse(value) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => value.to_string(),
    }
}

pub fn proxy(home: &Home, action: Option<ProxyAction>, json: bool) -> Result<(), Problem> {
    let file = file(home)?;
    let settings = match action.unwrap_or(ProxyAction::Show) {
        ProxyAction::Show => file.load(),
        ProxyAction::Set { url, no_proxy } => file.set_proxy(Some((&url, &no_proxy))),
        ProxyAction::Unset => file.set_proxy(None),
    }
    .map_err(|e| e.problem())?;
    let environment: Vec<(String, String)> = PROXY_VARS
        .iter()
        .filter_map(|k| {
            let v = std::env::var(k).ok().filter(|v| !v.is_empty())?;
            Some((k.to_string(), without_password(&v)))
        })
        .collect();
    let source = match (&settings.proxy, environment.is_empty()) {
        (Some(_), _) => "settings",
        (None, false) => "environment",
        (None, true) => "none",
    };
    let view = ProxyView {
        source,
        settings: settings.proxy,
        environment,
    };
    if json {
        return render::json(&view);
    }
    match &view.settings {
        Some(p) => {
            println!("Proxy: {} (from the settings)", p.url);
            if !p.no_proxy.is_empty() {
                println!("Direct: {}", p.no_proxy);
            }
            if !view.environment.is_empty() {
                println!("The environment's proxy variables are ignored while this is set");
            }
        }
        None if view.environment.is_empty() => {
            println!("No proxy: registries are reached directly")
        }
        None => {
            println!("Proxy from the environment:");
            for (k, v) in &view.environment {
                println!("  {k}={v}");
            }
        }
    }
    Ok(())
}
