//! One function per command; each resolves its inputs, calls the engine once and renders.

use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};

use crate::cli::{Cli, Command};
use crate::render;

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
    }
}
