//! `strata create`, `ps`, `run`, `cp`, `diff`, `commit`, `rm`: docker's words for
//! containers. Each parses, calls `strata_core::container` once and renders.

use std::io::{IsTerminal, Write};
use std::path::Path;

use strata_core::container::{
    CommitOptions, ContainerError, Containers, CreateOptions, Mode, RunOptions, Seccomp,
};
use strata_core::home::Home;
use strata_core::layer::{Compression, WriteOptions};
use strata_core::problem::{Explain, Problem};
use strata_core::reference::Reference;
use strata_core::store::Store;
use strata_core::task::{NoProgress, TaskCtx};

use crate::render;
use crate::vocabulary::{CliCode, CliHint};

fn containers(home: &Home) -> Result<Containers, Problem> {
    let store = Store::open(&home.path).map_err(|e| e.problem())?;
    Ok(Containers::new(&store))
}

pub fn create(
    home: &Home,
    image: &str,
    name: Option<&str>,
    mode: Option<&str>,
    json: bool,
) -> Result<(), Problem> {
    let mode = mode
        .map(|m| m.parse::<Mode>().map_err(|e| e.problem()))
        .transpose()?;
    let opts = CreateOptions {
        name: name.map(str::to_string),
        mode,
    };
    // Ctrl-C while the layers unpack leaves no container.
    let cancel = crate::interrupt::token();
    let c = containers(home)?
        .create_with(image, &opts, TaskCtx::new(&NoProgress, &cancel))
        .map_err(|e| e.problem())?;
    if json {
        return render::json(c.info());
    }
    println!("{}", c.info().id);
    Ok(())
}

pub fn ps(home: &Home, json: bool) -> Result<(), Problem> {
    let all = containers(home)?.list().map_err(|e| e.problem())?;
    if json {
        return render::json(&all);
    }
    println!(
        "{:<14}{:<40}{:<22}{:<10}NAME",
        "CONTAINER ID", "IMAGE", "CREATED", "MODE"
    );
    for c in &all {
        println!(
            "{:<14}{:<40}{:<22}{:<10}{}",
            c.short_id(),
            c.image,
            c.created,
            c.mode.as_str(),
            c.name
        );
    }
    Ok(())
}

/// `strata run`'s options; `--network` and `--security-opt` in Podman's and docker's words.
pub fn run_options(
    command: Vec<String>,
    env: Vec<String>,
    workdir: Option<String>,
    user: Option<String>,
    tty: bool,
    network: &str,
    security_opt: &[String],
) -> Result<RunOptions, Problem> {
    let network = network.parse().map_err(|e: ContainerError| e.problem())?;
    let mut seccomp = Seccomp::Default;
    for opt in security_opt {
        match opt.split_once(['=', ':']) {
            Some(("seccomp", value)) => {
                seccomp = value.parse().map_err(|e: ContainerError| e.problem())?
            }
            // Always on; accepted for docker's habit.
            _ if opt == "no-new-privileges" || opt == "no-new-privileges=true" => {}
            _ => {
                return Err(ContainerError::BadOption(format!(
                    "unsupported --security-opt \"{opt}\""
                ))
                .problem()
                .with_hint(CliHint::SecurityOpt))
            }
        }
    }
    Ok(RunOptions {
        command,
        env,
        workdir,
        user,
        tty,
        network,
        seccomp,
    })
}

/// Runs the command; the process exits with the command's exit code.
pub fn run(home: &Home, name: &str, opts: RunOptions) -> Result<(), Problem> {
    if opts.tty && !std::io::stdin().is_terminal() {
        return Err(Problem::new(
            CliCode::NoTerminal,
            "-t needs a terminal, and stdin is not one",
        )
        .with_hint(CliHint::NoTty));
    }
    let c = containers(home)?.get(name).map_err(|e| e.problem())?;
    let code = c.run(&opts).map_err(|e| e.problem())?;
    if code != 0 {
        let _ = std::io::stdout().flush();
        std::process::exit(code);
    }
    Ok(())
}

/// `SRC NAME:DEST` copies in, `NAME:SRC DEST` copies out, as `docker cp`.
pub fn cp(home: &Home, src: &str, dest: &str) -> Result<(), Problem> {
    let all = containers(home)?;
    let split = |s: &str| -> Option<(String, String)> {
        let (name, path) = s.split_once(':')?;
        // `./a:b` or `/x:y` are host paths, as docker reads them.
        if name.is_empty() || name.contains('/') {
            return None;
        }
        Some((name.to_string(), path.to_string()))
    };
    match (split(src), split(dest)) {
        (None, Some((name, path))) => {
            let c = all.get(&name).map_err(|e| e.problem())?;
            c.copy_in(Path::new(src), if path.is_empty() { "/" } else { &path })
                .map_err(|e| e.problem())?;
            Ok(())
        }
        (Some((name, path)), None) => {
            let c = all.get(&name).map_err(|e| e.problem())?;
            c.copy_out(&path, Path::new(dest)).map_err(|e| e.problem())
        }
        _ => Err(Problem::new(
            CliCode::Cp,
            "one side of `strata cp` must be NAME:PATH (a container) and the other a host path",
        )
        .with_hint(CliHint::CpExample)),
    }
}

pub fn diff(home: &Home, name: &str, json: bool) -> Result<(), Problem> {
    let c = containers(home)?.get(name).map_err(|e| e.problem())?;
    let entries = c.diff().map_err(|e| e.problem())?;
    if json {
        return render::json(&entries);
    }
    for e in &entries {
        if e.kind == "file" {
            println!("{} {} ({} bytes)", e.change.letter(), e.path, e.size);
        } else {
            println!("{} {}", e.change.letter(), e.path);
        }
    }
    Ok(())
}

/// The arguments of `strata commit`.
pub struct CommitArgs<'a> {
    pub name: &'a str,
    pub reference: &'a str,
    pub message: Option<String>,
    pub author: Option<String>,
    pub changes: Vec<String>,
    pub compression: &'a str,
    pub level: Option<i32>,
    pub reproducible: bool,
    pub json: bool,
}

pub fn commit(home: &Home, args: CommitArgs<'_>) -> Result<(), Problem> {
    let reference = Reference::parse(args.reference).map_err(|e| e.problem())?;
    let compression = match args.compression {
        "gzip" => Compression::Gzip,
        "zstd" => Compression::Zstd,
        other => {
            return Err(Problem::new(
                CliCode::Compression,
                format!("unknown compression \"{other}\""),
            )
            .with_hint(CliHint::CompressionNames))
        }
    };
    let reproducible = if args.reproducible {
        // SOURCE_DATE_EPOCH when set; the epoch itself otherwise, still reproducible.
        Some(WriteOptions::source_date_epoch().unwrap_or(0))
    } else {
        None
    };
    let c = containers(home)?.get(args.name).map_err(|e| e.problem())?;
    let opts = CommitOptions {
        message: args.message,
        author: args.author,
        changes: args.changes,
        compression,
        level: args.level,
        reproducible,
        ..CommitOptions::new(reference)
    };
    let done = c.commit(&opts).map_err(|e| e.problem())?;
    if args.json {
        return render::json(&done);
    }
    println!("{}", done.digest);
    Ok(())
}

pub fn rm(home: &Home, names: &[String], json: bool) -> Result<(), Problem> {
    let all = containers(home)?;
    let mut removed = Vec::new();
    for n in names {
        let info = all.remove(n).map_err(|e| e.problem())?;
        if !json {
            println!("{}", info.name);
        }
        removed.push(info);
    }
    if json {
        return render::json(&removed);
    }
    Ok(())
}
