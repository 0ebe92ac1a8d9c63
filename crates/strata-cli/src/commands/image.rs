//! `strata inspect`, `history`, `import`, `import-rootfs`, `export`: parse, one engine
//! call, render. Long commands show their progress through [`Bars`] and stop cleanly on
//! Ctrl-C ([`crate::interrupt`]): no image, no file left.

use crate::render::size as human;
use std::path::Path;

use strata_core::home::Home;
use strata_core::image::{
    self, inspect::InspectOptions, ExportFormat, ExportOptions, ImageError, ImportOptions,
    RootfsOptions,
};
use strata_core::platform::Platform;
use strata_core::problem::{Explain, Problem};
use strata_core::reference::Reference;
use strata_core::store::Store;
use strata_core::task::TaskCtx;

use crate::progress::Bars;
use crate::render;
use crate::vocabulary::CliCode;

fn open_store(home: &Home) -> Result<Store, Problem> {
    Store::open(&home.path).map_err(|e| e.problem())
}

/// `--platform`, read by the engine's one grammar.
pub(crate) fn platform(p: Option<&str>) -> Result<Option<Platform>, Problem> {
    p.map(|p| {
        p.parse::<Platform>()
            .map_err(|e| ImageError::from(e).problem())
    })
    .transpose()
}

/// What `inspect` and `history` ask of the engine: sizes computed, for the platform given.
fn inspect_options(platform_arg: Option<&str>) -> Result<InspectOptions, Problem> {
    Ok(InspectOptions {
        platform: platform(platform_arg)?,
        compute_sizes: true,
    })
}

// ---------------------------------------------------------------------------------------

pub fn inspect(
    home: &Home,
    name: &str,
    platform_arg: Option<&str>,
    json: bool,
) -> Result<(), Problem> {
    let store = open_store(home)?;
    let opts = inspect_options(platform_arg)?;
    let d = image::inspect(&store, name, &opts).map_err(|e| e.problem())?;
    if json {
        return render::json(&d);
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            serde_json::to_string(v).unwrap_or_default()
        }
    };
    println!("Name:          {}", d.reference);
    if d.names.len() > 1 {
        println!("Also named:    {}", d.names.join(", "));
    }
    println!("ID:            {}", d.id);
    println!("Manifest:      {} ({})", d.manifest_digest, d.media_type);
    if let Some(index) = &d.index_digest {
        println!("Index:         {index} ({})", d.platforms.join(", "));
    }
    println!("Platform:      {}", d.platform);
    println!("Created:       {}", opt(&d.created));
    println!("Author:        {}", opt(&d.author));
    println!(
        "Size:          {} stored, {} unpacked",
        human(d.size),
        d.uncompressed_size.map_or("?".into(), human)
    );
    let c = &d.config;
    println!("Entrypoint:    {}", list(&c.entrypoint));
    println!("Cmd:           {}", list(&c.cmd));
    println!("WorkingDir:    {}", opt(&c.working_dir));
    println!("User:          {}", opt(&c.user));
    println!("ExposedPorts:  {}", list(&c.exposed_ports));
    println!("Volumes:       {}", list(&c.volumes));
    println!("Env:");
    for e in &c.env {
        println!("  {e}");
    }
    println!("Labels:");
    for (k, v) in &c.labels {
        println!("  {k}={v}");
    }
    println!("Layers:");
    for l in &d.layers {
        println!(
            "  {}  {:>9} stored  {:>9} unpacked  {}",
            l.digest,
            human(l.size),
            l.uncompressed_size.map_or("?".into(), human),
            l.media_type
        );
    }
    Ok(())
}

pub fn history(
    home: &Home,
    name: &str,
    platform_arg: Option<&str>,
    no_trunc: bool,
    json: bool,
) -> Result<(), Problem> {
    let store = open_store(home)?;
    let opts = inspect_options(platform_arg)?;
    let entries = image::history(&store, name, &opts).map_err(|e| e.problem())?;
    if json {
        return render::json(&entries);
    }
    println!(
        "{:<14}{:<22}{:<47}{:>10}  COMMENT",
        "LAYER", "CREATED", "CREATED BY", "SIZE"
    );
    for h in &entries {
        let layer = h
            .layer
            .as_ref()
            .map_or("<none>".to_string(), |d| d.short().to_string());
        let created = h
            .created
            .as_deref()
            .map(|c| c.get(..19).unwrap_or(c).replace('T', " "))
            .unwrap_or_else(|| "<missing>".into());
        let mut by = h.created_by.clone().unwrap_or_default().replace('\n', " ");
        if !no_trunc && by.chars().count() > 45 {
            by = by.chars().take(44).collect::<String>() + "…";
        }
        let size = h.uncompressed_size.unwrap_or(h.size);
        println!(
            "{layer:<14}{created:<22}{by:<47}{:>10}  {}",
            human(size),
            h.comment.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

pub fn import(home: &Home, path: &Path, tag: Option<&str>, json: bool) -> Result<(), Problem> {
    let tag = tag
        .map(|t| Reference::parse(t).map_err(|e| e.problem()))
        .transpose()?;
    let store = open_store(home)?;
    let cancel = crate::interrupt::token();
    let bar = Bars::on_terminal(json);
    let result = image::import(
        &store,
        path,
        &ImportOptions { tag },
        TaskCtx::new(&bar, &cancel),
    );
    bar.finish();
    let imported = result.map_err(|e| e.problem())?;
    if json {
        return render::json(&imported);
    }
    for i in &imported.images {
        let platforms = if i.platforms.is_empty() {
            String::new()
        } else {
            format!(" ({})", i.platforms.join(", "))
        };
        println!("Loaded image: {} {}{platforms}", i.name, i.digest);
    }
    Ok(())
}

pub struct RootfsArgs<'a> {
    pub path: &'a Path,
    pub tag: &'a str,
    pub message: Option<String>,
    pub changes: Vec<String>,
    pub platform: Option<&'a str>,
    pub json: bool,
}

pub fn import_rootfs(home: &Home, args: RootfsArgs) -> Result<(), Problem> {
    let opts = RootfsOptions {
        tag: Reference::parse(args.tag).map_err(|e| e.problem())?,
        message: args.message,
        changes: args.changes,
        platform: platform(args.platform)?,
    };
    let store = open_store(home)?;
    let cancel = crate::interrupt::token();
    let bar = Bars::on_terminal(args.json);
    let result = image::import_rootfs(&store, args.path, &opts, TaskCtx::new(&bar, &cancel));
    bar.finish();
    let imported = result.map_err(|e| e.problem())?;
    if args.json {
        return render::json(&imported);
    }
    println!("{} {}", imported.name, imported.digest);
    Ok(())
}

pub fn export(
    home: &Home,
    name: &str,
    dest: &Path,
    format: &str,
    platform_arg: Option<&str>,
    force: bool,
    json: bool,
) -> Result<(), Problem> {
    let format: ExportFormat = format
        .parse()
        .map_err(|e: String| Problem::new(CliCode::Format, e))?;
    let opts = ExportOptions {
        format,
        platform: platform(platform_arg)?,
        overwrite: force,
    };
    let store = open_store(home)?;
    let cancel = crate::interrupt::token();
    let bar = Bars::on_terminal(json);
    let result = image::export(&store, name, dest, &opts, TaskCtx::new(&bar, &cancel));
    bar.finish();
    let exported = result.map_err(|e| e.problem())?;
    if json {
        return render::json(&exported);
    }
    println!("{} ({})", exported.path.display(), human(exported.bytes));
    Ok(())
}
