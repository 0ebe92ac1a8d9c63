//! Builds the data `make bench-app` measures the app with (the scale benchmarks build the
//! same in process, from the same module):
//!
//! ```text
//! bench_data store HOME N          a store of N images of 10 layers, 2 of them shared
//! bench_data tags HOST REPO N      REPO on the registry at HOST with N tags of one image
//! bench_data images HOST REPO N MIB  N images REPO0:1… of MIB MiB each (random bytes)
//! ```

#[allow(dead_code)] // shared with the benchmarks, which use one half each
#[path = "../benches/data/mod.rs"]
mod data;

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count = |s: &str| {
        s.parse::<usize>()
            .map_err(|_| format!("{s:?} is not a count"))
    };
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["store", home, n] => count(n).map(|n| {
            let blobs = data::fill_store(Path::new(home), n);
            println!("{n} images, {blobs} blobs in {home}");
        }),
        ["tags", host, repo, n] => count(n).and_then(|n| {
            let work = tempfile::tempdir().map_err(|e| e.to_string())?;
            let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            rt.block_on(data::make_tags(work.path(), host, repo, n));
            println!("{n} tags in {host}/{repo}");
            Ok(())
        }),
        ["images", host, repo, n, mib] => count(n).and_then(|n| {
            let mib = count(mib)?;
            let work = tempfile::tempdir().map_err(|e| e.to_string())?;
            let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            rt.block_on(data::push_images(work.path(), host, repo, n, mib));
            println!("{n} images of {mib} MiB in {host}/{repo}0..");
            Ok(())
        }),
        _ => {
            Err("usage: bench_data store HOME N | tags HOST REPO N | images HOST REPO N MIB".into())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
