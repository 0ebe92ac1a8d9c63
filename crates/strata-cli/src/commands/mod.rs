//! One function per command; each resolves its inputs, calls the engine once and renders.

use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};

use crate::cli::{Cli, Command};
use crate::render;

mod transfer;

pub fn run(cli: Cli) -> Result<(), Problem> {
    let home = || Home::resolve(cli.home.as_deref()).map_err(|e| e.problem());
    match cli.command {
        Command::Home { json } => {
            let home = home()?;
            if json {
                render::json(&home)
            } else {
                println!("{}", home.path.display());
                Ok(())
            }
        }
        Command::Pull {
            reference,
            platform,
            creds,
            insecure,
            json,
        } => {
            let args = transfer::RegistryArgs {
                creds: creds.as_deref(),
                insecure,
            };
            transfer::pull(&home()?, &reference, platform.as_deref(), args, json)
        }
        Command::Push {
            local,
            remote,
            creds,
            insecure,
            json,
        } => {
            let args = transfer::RegistryArgs {
                creds: creds.as_deref(),
                insecure,
            };
            transfer::push(&home()?, &local, remote.as_deref(), args, json)
        }
    }
}
