//! `strata inspect`, `history`, `import`, `import-rootfs`, `export`: parse, one engine
//! call, render. Long commands show one progress bar on a terminal (nothing with `--json`
//! or when stderr is not a terminal) and stop cleanly on Ctrl-C: no image, no file left.

use crate::render::size as human;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use strata_core::home::Home;
use strata_core::image::{
    self, inspect::InspectOptions, ExportFormat, ExportOptions, ImportOptions, PlatformSpec,
    RootfsOptions,
};
use strata_core::problem::{Explain, Problem};
use strata_core::reference::Reference;
use strata_core::store::Store;
use strata_core::task::{Progress, ProgressUpdate, TaskCtx};

use crate::render;

fn open_store(home: &Home) -> Result<Store, Problem> {
    Store::open(&home.path).map_err(|e| e.problem())
}

fn platform(p: Option<&str>) -> Result<Option<PlatformSpec>, Problem> {
    p.map(|p| p.parse::<PlatformSpec>().map_err(|e| e.problem()))
        .transpose()
}

/// Raised by Ctrl-C; the engine checks it between chunks.
static CANCEL: AtomicBool = AtomicBool::new(false);

/// Routes Ctrl-C to [`CANCEL`] instead of killing the process, so that temporary files
/// are removed on the way out.
fn cancel_on_ctrl_c() {
    std::thread::spawn(|| {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                CANCEL.store(true, Ordering::Relaxed);
            }
        });
    });
}

/// One bar for the whole file on a terminal; silent otherwise.
struct Bar {
    /// The update id that measures the whole job (the input file for imports).
    main: String,
    bar: Option<ProgressBar>,
    done_blobs: Mutex<u64>,
}

impl Bar {
    fn new(json: bool, main: String, total: Option<u64>) -> Bar {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total.unwrap_or(0));
            bar.set_style(
                ProgressStyle::with_template("{msg} {wide_bar} {bytes}/{total_bytes} {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Bar {
            main,
            bar,
            done_blobs: Mutex::new(0),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn update(&self, p: ProgressUpdate) {
        let Some(bar) = &self.bar else { return };
        if p.id == self.main {
            bar.set_position(p.done);
        } else if let Ok(mut n) = self.done_blobs.lock() {
            // Blob by blob (exports): advance by each finished blob.
            if p.done == p.total.unwrap_or(0) {
                *n += p.done;
                bar.set_position(*n);
            }
            bar.set_message(short(&p.id).to_string());
        }
    }
}

fn short(id: &str) -> &str {
    id.strip_prefix("sha256:")
        .map_or(id, |h| h.get(..12).unwrap_or(h))
}

fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

// ---------------------------------------------------------------------------------------

pub fn inspect(
    home: &Home,
    name: &str,
    platform_arg: Option<&str>,
    json: bool,
) -> Result<(), Problem> {
    let store = open_store(home)?;
    let opts = InspectOptions {
        platform: platform(platform_arg)?,
        compute_sizes: true,
    };
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
    let opts = InspectOptions {
        platform: platform(platform_arg)?,
        compute_sizes: true,
    };
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
    cancel_on_ctrl_c();
    let bar = Bar::new(json, path.display().to_string(), file_size(path));
    let result = image::import(
        &store,
        path,
        &ImportOptions { tag },
        TaskCtx::new(&bar, &CANCEL),
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
    cancel_on_ctrl_c();
    let bar = Bar::new(
        args.json,
        args.path.display().to_string(),
        file_size(args.path),
    );
    let result = image::import_rootfs(&store, args.path, &opts, TaskCtx::new(&bar, &CANCEL));
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
        .map_err(|e: String| Problem::new("cli.format", e))?;
    let opts = ExportOptions {
        format,
        platform: platform(platform_arg)?,
        overwrite: force,
    };
    let store = open_store(home)?;
    let total = image::inspect(&store, name, &InspectOptions::default())
        .ok()
        .map(|d| d.size);
    cancel_on_ctrl_c();
    let bar = Bar::new(json, String::new(), total);
    let result = image::export(&store, name, dest, &opts, TaskCtx::new(&bar, &CANCEL));
    bar.finish();
    let exported = result.map_err(|e| e.problem())?;
    if json {
        return render::json(&exported);
    }
    println!("{} ({})", exported.path.display(), human(exported.bytes));
    Ok(())
}
