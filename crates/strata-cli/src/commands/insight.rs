//! `strata analyze`: an image's wasted space (DESIGN.md § The command line). Parse, call
//! `strata_core::insight::analyze`, render; `--fail-below` turns dive's efficiency score
//! into an exit code, as `dive --ci` does.

use strata_core::home::Home;
use strata_core::insight::{self, Analysis, AnalyzeOptions};
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
