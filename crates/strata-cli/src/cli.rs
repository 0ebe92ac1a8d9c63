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
    /// Pull an image from a registry into the store
    Pull {
        /// The image: [registry/]repository[:tag][@digest]
        reference: String,
        /// The platform to take from a multi-platform image [default: this machine]
        #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
        platform: Option<String>,
        /// Credentials for the registry
        #[arg(long, value_name = "USER:PASS")]
        creds: Option<String>,
        /// Allow plain HTTP or an unverified certificate for this registry
        #[arg(long)]
        insecure: bool,
        /// Print the result as JSON (and no progress)
        #[arg(long)]
        json: bool,
    },
    /// Push a local image to a registry, under its own name or REMOTE
    Push {
        /// The local image (name or ID)
        local: String,
        /// The remote name: registry/repository[:tag] [default: LOCAL's name]
        remote: Option<String>,
        /// Credentials for the registry
        #[arg(long, value_name = "USER:PASS")]
        creds: Option<String>,
        /// Allow plain HTTP or an unverified certificate for this registry
        #[arg(long)]
        insecure: bool,
        /// Print the result as JSON (and no progress)
        #[arg(long)]
        json: bool,
    },
}
