//! `strata images`, `tag`, `rmi`, `prune`, `df`, `fsck`: the local store, with docker's
//! words and columns.

use crate::render::size as human;
use std::path::Path;

use serde::Serialize;
use strata_core::digest::Digest;
use strata_core::home::Home;
use strata_core::image::table;
use strata_core::problem::{Explain, Problem};
use strata_core::reference::familiar;
use strata_core::store::{GcReport, Store};

use crate::render;
use crate::vocabulary::{CliCode, CliHint};

fn open(home: &Home) -> Result<Store, Problem> {
    Store::open(&home.path).map_err(|e| e.problem())
}

pub fn images(home: &Home, json: bool) -> Result<(), Problem> {
    let store = open(home)?;
    let rows = table::rows(&store).map_err(|e| e.problem())?;
    if json {
        return render::json(&rows);
    }
    let with_platforms = rows.iter().any(|r| !r.platforms.is_empty());
    let mut table = vec![image_header(&["SHARED"])];
    if with_platforms {
        table[0].push("PLATFORMS".into());
    }
    let now = chrono::Utc::now();
    for r in &rows {
        let mut line = vec![
            r.repository.clone(),
            r.tag.clone(),
            r.id.clone(),
            ago(r.created.as_deref(), now),
            human(r.size),
            human(r.shared),
        ];
        if with_platforms {
            line.push(r.platforms.join(","));
        }
        table.push(line);
    }
    print_table(&table);
    Ok(())
}

pub fn tag(home: &Home, source: &str, target: &str) -> Result<(), Problem> {
    open(home)?
        .tag(source, target)
        .map(|_| ())
        .map_err(|e| e.problem())
}

#[derive(Debug, Serialize)]
struct RmiReport {
    untagged: Vec<String>,
    deleted: Vec<Digest>,
    bytes_freed: u64,
    errors: Vec<Problem>,
}

pub fn rmi(home: &Home, images: &[String], force: bool, json: bool) -> Result<(), Problem> {
    let store = open(home)?;
    let mut report = RmiReport {
        untagged: Vec::new(),
        deleted: Vec::new(),
        bytes_freed: 0,
        errors: Vec::new(),
    };
    let mut removed = Vec::new();
    for image in images {
        match store.remove_image(image, force) {
            Ok(out) => {
                if out.image_removed {
                    removed.push(out.image.clone());
                }
                for name in out.untagged {
                    let shown = familiar(&name);
                    if !json {
                        println!("Untagged: {shown}");
                    }
                    report.untagged.push(name);
                }
            }
            Err(e) => {
                let problem = e.problem();
                // With one name, its problem is the command's error (printed once, below).
                if !json && images.len() > 1 {
                    render::problem(&problem);
                }
                report.errors.push(problem);
            }
        }
    }
    // Once for all the names, even when some failed: what only the removed images used
    // is freed (other unused blobs wait for `prune`, as in docker).
    let gc = store.free(&removed).map_err(|e| e.problem())?;
    report.deleted = gc.removed.iter().map(|b| b.digest.clone()).collect();
    report.bytes_freed = gc.bytes_freed;
    if json {
        render::json(&report)?;
    } else if !report.untagged.is_empty() || !gc.removed.is_empty() {
        print_deleted(&gc);
    }
    match report.errors.len() {
        0 => Ok(()),
        1 if images.len() == 1 => Err(report.errors.remove(0)),
        n => Err(Problem::new(
            CliCode::Rmi,
            format!("{n} of {} image(s) could not be removed", images.len()),
        )),
    }
}

fn print_deleted(gc: &GcReport) {
    for blob in &gc.removed {
        println!("Deleted: {}", blob.digest);
    }
    println!("Total reclaimed space: {}", human(gc.bytes_freed));
}

pub fn prune(home: &Home, json: bool) -> Result<(), Problem> {
    let store = open(home)?;
    let report = store.prune().map_err(|e| e.problem())?;
    if json {
        return render::json(&report);
    }
    if !report.images_removed.is_empty() {
        println!("Deleted Images:");
        for d in &report.images_removed {
            println!("deleted: {d}");
        }
    }
    print_deleted(&report.gc);
    Ok(())
}

pub fn df(home: &Home, verbose: bool, json: bool) -> Result<(), Problem> {
    let store = open(home)?;
    let usage = store.disk_usage().map_err(|e| e.problem())?;
    if json {
        return render::json(&usage);
    }
    let pct = |part: u64, whole: u64| part.saturating_mul(100).checked_div(whole).unwrap_or(0);
    let image_reclaimable = usage
        .reclaimable_bytes
        .saturating_sub(usage.unreferenced_bytes);
    print_table(&[
        vec![
            "TYPE".to_string(),
            "TOTAL".into(),
            "ACTIVE".into(),
            "SIZE".into(),
            "RECLAIMABLE".into(),
        ],
        vec![
            "Images".into(),
            usage.images.len().to_string(),
            usage.active_images.to_string(),
            human(usage.image_bytes),
            format!(
                "{} ({}%)",
                human(image_reclaimable),
                pct(image_reclaimable, usage.image_bytes)
            ),
        ],
        vec![
            "Unused blobs".into(),
            usage.unreferenced_blobs.to_string(),
            "0".into(),
            human(usage.unreferenced_bytes),
            format!(
                "{} ({}%)",
                human(usage.unreferenced_bytes),
                pct(usage.unreferenced_bytes, usage.unreferenced_bytes)
            ),
        ],
    ]);
    if verbose {
        println!();
        println!("Images space usage:");
        println!();
        let mut table = vec![image_header(&["SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"])];
        let now = chrono::Utc::now();
        for r in table::rows_of(&usage.images) {
            table.push(vec![
                r.repository,
                r.tag,
                r.id,
                ago(r.created.as_deref(), now),
                human(r.size),
                human(r.shared),
                human(r.unique),
                r.containers.len().to_string(),
            ]);
        }
        print_table(&table);
    }
    Ok(())
}

pub fn fsck(home: &Home, json: bool) -> Result<(), Problem> {
    let store = open(home)?;
    let report = store.fsck().map_err(|e| e.problem())?;
    if json {
        render::json(&report)?;
    } else {
        println!(
            "checked {} blob(s) ({}) and {} name(s) in {}",
            report.blobs_checked,
            human(report.bytes_checked),
            report.refs_checked,
            display(store.root())
        );
        for p in &report.problems {
            println!("problem: {}: {}", p.subject, p.message);
        }
        for note in &report.notes {
            println!("note: {note}");
        }
    }
    match report.problems.len() {
        0 => Ok(()),
        n => Err(Problem::new(
            CliCode::Fsck,
            format!("fsck found {n} problem(s) in the store"),
        )
        .with_hint(CliHint::FsckRepair)),
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

/// Left-aligned columns separated by three spaces, as docker prints them.
/// The header of a table of images (`images`, `df -v`): the columns every such table
/// starts with, then `more`.
fn image_header(more: &[&str]) -> Vec<String> {
    ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]
        .iter()
        .chain(more)
        .map(|c| c.to_string())
        .collect()
}

pub(crate) fn print_table(rows: &[Vec<String>]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}   ", w = widths[c]));
            }
        }
        println!("{}", line.trim_end());
    }
}

/// `3 days ago`, as docker prints a creation time.
fn ago(created: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> String {
    let Some(t) = created.and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok()) else {
        return "N/A".into();
    };
    let secs = (now - t.with_timezone(&chrono::Utc)).num_seconds();
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("{} {unit} ago", if unit == "hour" { "An" } else { "1" })
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match secs {
        s if s < 1 => "Less than a second ago".into(),
        s if s < 60 => plural(s, "second"),
        s if s < 3600 => plural(s / 60, "minute"),
        s if s < 86_400 => plural(s / 3600, "hour"),
        s if s < 86_400 * 14 => plural(s / 86_400, "day"),
        s if s < 86_400 * 60 => plural(s / (86_400 * 7), "week"),
        s if s < 86_400 * 365 * 2 => plural(s / (86_400 * 30), "month"),
        s => plural(s / (86_400 * 365), "year"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_like_docker() {
        let now = chrono::DateTime::parse_from_rfc3339("2024-05-04T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        for (t, want) in [
            ("2024-05-04T09:59:30Z", "30 seconds ago"),
            ("2024-05-04T09:00:00Z", "An hour ago"),
            ("2024-05-01T10:00:00Z", "3 days ago"),
            ("2022-05-01T10:00:00Z", "2 years ago"),
        ] {
            assert_eq!(ago(Some(t), now), want, "{t}");
        }
        assert_eq!(ago(None, now), "N/A");
    }
}
