//! The command line's grammar. It speaks docker's and skopeo's words so that habits carry over.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "strata",
    version = strata_core::VERSION,
    about = "Container images without a daemon: local store, layers, registries, commit",
    long_about = None,
)]
pub struct Cli {
    /// The store's folder [default: $STRATA_HOME, else the platform's data directory]
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show where the store is and how that was decided
    Home {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}
