//! `strata`: a thin command line over `strata-core`. Each command is parse → one engine
//! call → render. Failures print one `error:` line (and a `hint:` line when there is one)
//! on stderr and exit non-zero.

mod cli;
mod commands;
mod hints;
mod interrupt;
mod progress;
mod render;
mod vocabulary;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            render::problem(&problem);
            ExitCode::FAILURE
        }
    }
}

/// Rust ignores SIGPIPE, so `strata images | head` would panic on the closed pipe. A command
/// line tool should end quietly instead, as `ls` does: restore the default action.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
