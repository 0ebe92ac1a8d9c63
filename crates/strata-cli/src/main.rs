//! `strata`: a thin command line over `strata-core`. Each command is parse → one engine
//! call → render. Failures print one `error:` line (and a `hint:` line when there is one)
//! on stderr and exit non-zero.

mod cli;
mod commands;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            render::problem(&problem);
            ExitCode::FAILURE
        }
    }
}
