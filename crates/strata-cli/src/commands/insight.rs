//! `strata analyze` (an image's wasted space), `strata compare` (two images side by
//! side), `strata packages` (what is installed, or an SBOM) and `strata outdated` (local
//! images their registry has replaced) (DESIGN.md § The command line). Parse, call `strata_core::insight`, render;
//! `--fail-below` turns dive's efficiency score into an exit code, as `dive --ci` does.

use strata_core::home::Home;
use strata_core::insight::compare::Side;
use strata_core::insight::outdated::OutdatedOptions;
use strata_core::insight::{
    self, Analysis, AnalyzeOptions, Comparison, FileChange, FileDiff, FileSide, Freshness,
    OutdatedImage, SbomFormat,
};
use strata_core::problem::{Explain, Problem};
use strata_core::store::Store;

use super::store::print_table;
use crate::render::{self, size};
use crate::vocabulary::CliCode;

/// The arguments of `strata analyze`.
pub struct AnalyzeArgs<'a> {
    pub image: &'a str,
    pub fail_below: Option<f64>,
    pub top: usize,
    pub platform: Option<&'a str>,
    pub json: bool,
}

pub fn analyze(home: &Home, args: AnalyzeArgs<'_>) -> Result<(), Problem> {
    let platform = super::image::platform(args.platform)?;
    let store = Store::open(&home.path).map_err(|e| e.problem())?;
    let opts = AnalyzeOptions { top: args.top };
    let a =
        insight::analyze(&store, args.image, platform.as_ref(), &opts).map_err(|e| e.problem())?;
    if args.json {
        render::json(&a)?;
    } else {
        print_analysis(&a);
    }
    match args.fail_below {
        Some(min) if a.dive.efficiency < min => Err(Problem::new(
            CliCode::Efficiency,
            format!(
                "{}'s efficiency is {}, below --fail-below {} ({} wasted)",
                args.image,
                percent(a.dive.efficiency),
                percent(min),
                size(a.dive.wasted_bytes)
            ),
        )),
        _ => Ok(()),
    }
}

fn percent(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

fn print_analysis(a: &Analysis) {
    println!("efficiency (dive)   {}", percent(a.dive.efficiency));
    println!(
        "wasted (dive)       {} ({} of the layers above the first)",
        size(a.dive.wasted_bytes),
        percent(a.dive.user_wasted_percent)
    );
    println!(
        "stored              {}: {} visible, {} hidden (overwritten or deleted by a later layer)",
        size(a.stored_bytes),
        size(a.visible_bytes),
        size(a.hidden_bytes)
    );
    println!();
    let mut rows = vec![cells(&[
        "LAYER",
        "STORED",
        "VISIBLE",
        "HIDDEN",
        "OVERWRITTEN",
        "DELETED",
        "CREATED BY",
    ])];
    for l in &a.layers {
        let mut by = l.created_by.clone().unwrap_or_default();
        if by.chars().count() > 60 {
            by = format!("{}…", by.chars().take(59).collect::<String>());
        }
        rows.push(vec![
            l.index.to_string(),
            size(l.bytes),
            size(l.visible_bytes),
            size(l.hidden_bytes),
            size(l.overwritten_bytes),
            size(l.deleted_bytes),
            by,
        ]);
    }
    print_table(&rows);

    section(
        "wasted paths (dive: every version of a path stored more than once)",
        a.wasted_count,
        a.wasted.len(),
    );
    if !a.wasted.is_empty() {
        let mut rows = vec![cells(&["COUNT", "TOTAL SPACE", "LAYERS", "PATH"])];
        rows.extend(a.wasted.iter().map(|w| {
            vec![
                w.layers.len().to_string(),
                size(w.bytes),
                layers(&w.layers),
                w.path.clone(),
            ]
        }));
        print_table(&rows);
    }

    section(
        "hidden paths (bytes the final image cannot see)",
        a.hidden_count,
        a.hidden.len(),
    );
    if !a.hidden.is_empty() {
        let mut rows = vec![cells(&["HIDDEN", "IN LAYERS", "NOW", "PATH"])];
        rows.extend(a.hidden.iter().map(|h| {
            vec![
                size(h.bytes),
                layers(&h.layers),
                if h.visible { "overwritten" } else { "deleted" }.to_string(),
                h.path.clone(),
            ]
        }));
        print_table(&rows);
    }

    section(
        "deleted files (added by one layer, deleted by a later one)",
        a.deleted_count,
        a.deleted.len(),
    );
    if !a.deleted.is_empty() {
        let mut rows = vec![cells(&["SIZE", "ADDED IN", "DELETED BY", "PATH"])];
        rows.extend(a.deleted.iter().map(|d| {
            vec![
                size(d.size),
                d.layer.to_string(),
                d.hidden_by.to_string(),
                d.path.clone(),
            ]
        }));
        print_table(&rows);
    }

    if !a.largest.is_empty() {
        println!("\nlargest files");
        let mut rows = vec![cells(&["SIZE", "LAYER", "PATH"])];
        rows.extend(
            a.largest
                .iter()
                .map(|f| vec![size(f.size), f.layer.to_string(), f.path.clone()]),
        );
        print_table(&rows);
    }
}

fn section(title: &str, count: usize, shown: usize) {
    if count == 0 {
        println!("\n{title}: none");
    } else if count > shown {
        println!("\n{title}: {count}, the first {shown}");
    } else {
        println!("\n{title}: {count}");
    }
}

fn cells(names: &[&str]) -> Vec<String> {
    names.iter().map(|c| c.to_string()).collect()
}

fn layers(list: &[usize]) -> String {
    list.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

pub fn compare(
    home: &Home,
    a: &str,
    b: &str,
    platform: Option<&str>,
    json: bool,
) -> Result<(), Problem> {
    let platform = super::image::platform(platform)?;
    let store = Store::open(&home.path).map_err(|e| e.problem())?;
    let c = insight::compare(&store, a, b, platform.as_ref()).map_err(|e| e.problem())?;
    if json {
        return render::json(&c);
    }
    print_comparison(&c);
    Ok(())
}

fn print_comparison(c: &Comparison) {
    let side = |s: &Side| {
        let id = s.id.strip_prefix("sha256:").unwrap_or(&s.id);
        format!(
            "{}  {}  {} layer(s)",
            s.reference,
            &id[..id.len().min(12)],
            s.layers
        )
    };
    println!("A         {}", side(&c.a));
    println!("B         {}", side(&c.b));
    if c.identical {
        println!("identical: the same manifest");
        return;
    }
    let l = &c.layers;
    println!(
        "layers    {} shared ({}, the bottom {} in common), {} only in A, {} only in B",
        l.shared.len(),
        size(l.shared_bytes),
        l.common_base,
        l.only_a.len(),
        l.only_b.len()
    );
    println!(
        "files     {} added, {} removed, {} changed",
        c.added, c.removed, c.changed
    );
    println!("config    {} difference(s)", c.config.len());
    if !c.config.is_empty() {
        println!();
        let mut rows = vec![cells(&["CONFIG", "KEY", "A", "B"])];
        let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        rows.extend(c.config.iter().map(|d| {
            vec![
                d.field.to_string(),
                d.key.clone().unwrap_or_default(),
                or_dash(&d.a),
                or_dash(&d.b),
            ]
        }));
        print_table(&rows);
    }
    if !c.files.is_empty() {
        println!();
        for f in &c.files {
            println!("{}", file_line(f));
        }
    }
}

/// `C /etc/app.conf  size 100B -> 150B, mode 644 -> 600`, `A /new (3B)`, `D /old`.
fn file_line(f: &FileDiff) -> String {
    let sized = |s: &Option<FileSide>| match s {
        Some(s) if s.kind == strata_core::layer::Kind::File => format!(" ({})", size(s.size)),
        Some(s) => match &s.target {
            Some(t) => format!(" -> {t}"),
            None => format!(" ({})", s.kind.name()),
        },
        None => String::new(),
    };
    match (f.change, &f.a, &f.b) {
        (FileChange::Added, _, b) => format!("A {}{}", f.path, sized(b)),
        (FileChange::Removed, a, _) => format!("D {}{}", f.path, sized(a)),
        (FileChange::Changed, Some(a), Some(b)) => {
            let parts: Vec<String> = f
                .what
                .iter()
                .map(|w| match *w {
                    "kind" => format!("{} -> {}", a.kind.name(), b.kind.name()),
                    "size" => format!("size {} -> {}", size(a.size), size(b.size)),
                    "mode" => format!("mode {:o} -> {:o}", a.mode, b.mode),
                    "owner" => format!("owner {}:{} -> {}:{}", a.uid, a.gid, b.uid, b.gid),
                    "target" => format!(
                        "target {} -> {}",
                        a.target.as_deref().unwrap_or("-"),
                        b.target.as_deref().unwrap_or("-")
                    ),
                    other => other.to_string(),
                })
                .collect();
            format!("C {}  {}", f.path, parts.join(", "))
        }
        (FileChange::Changed, _, _) => format!("C {}", f.path),
    }
}

pub fn packages(
    home: &Home,
    image: &str,
    sbom: Option<SbomFormat>,
    platform: Option<&str>,
    json: bool,
) -> Result<(), Problem> {
    let platform = super::image::platform(platform)?;
    let store = Store::open(&home.path).map_err(|e| e.problem())?;
    let p = insight::packages(&store, image, platform.as_ref()).map_err(|e| e.problem())?;
    if let Some(format) = sbom {
        return render::json(&insight::sbom(&p, format));
    }
    if json {
        return render::json(&p);
    }
    match &p.os {
        Some(os) => println!(
            "os        {}",
            os.pretty_name
                .clone()
                .unwrap_or_else(|| match &os.version_id {
                    Some(v) => format!("{} {v}", os.id),
                    None => os.id.clone(),
                })
        ),
        None => println!("os        unknown (no /etc/os-release)"),
    }
    for db in &p.databases {
        match (&db.note, db.read) {
            (Some(note), false) => {
                println!(
                    "database  {} ({}) not read: {note}",
                    db.path,
                    db.manager.name()
                )
            }
            (Some(note), true) => {
                println!("database  {}: {} package(s); {note}", db.path, db.packages)
            }
            (None, _) => println!("database  {}: {} package(s)", db.path, db.packages),
        }
    }
    if p.databases.is_empty() {
        println!("database  none found (no dpkg, apk or rpm database)");
    }
    if p.packages.is_empty() {
        return Ok(());
    }
    println!();
    let mut rows = vec![cells(&["NAME", "VERSION", "ARCH", "SOURCE", "TYPE"])];
    rows.extend(p.packages.iter().map(|k| {
        vec![
            k.name.clone(),
            k.version.clone(),
            k.architecture.clone().unwrap_or_default(),
            k.source.clone().unwrap_or_default(),
            k.manager.name().to_string(),
        ]
    }));
    print_table(&rows);
    Ok(())
}

pub fn outdated(home: &Home, json: bool) -> Result<(), Problem> {
    let store = Store::open(&home.path).map_err(|e| e.problem())?;
    let opts = OutdatedOptions::default();
    let checked = super::runtime::block_on(insight::outdated(home, &store, &opts))?
        .map_err(|e| e.problem())?;
    if json {
        return render::json(&checked);
    }
    let count = |s: Freshness| checked.iter().filter(|c| c.state == s).count();
    let short = |d: &str| {
        let d = d.strip_prefix("sha256:").unwrap_or(d);
        d[..d.len().min(12)].to_string()
    };
    let updates: Vec<&OutdatedImage> = checked
        .iter()
        .filter(|c| c.state == Freshness::UpdateAvailable)
        .collect();
    if !updates.is_empty() {
        let mut rows = vec![cells(&["IMAGE", "LOCAL", "REGISTRY NOW"])];
        rows.extend(updates.iter().map(|c| {
            vec![
                c.name.clone(),
                short(&c.local),
                short(c.remote.as_deref().unwrap_or("")),
            ]
        }));
        print_table(&rows);
        println!();
    }
    for c in checked.iter().filter(|c| c.state == Freshness::CannotCheck) {
        let why = c
            .problem
            .as_ref()
            .map_or(String::new(), |p| format!(": {} ({})", p.message, p.code));
        println!("cannot check {}{why}", c.name);
    }
    println!(
        "{} image(s) checked: {} update(s) available, {} up to date, {} cannot be checked",
        checked.len(),
        updates.len(),
        count(Freshness::UpToDate),
        count(Freshness::CannotCheck)
    );
    Ok(())
}
