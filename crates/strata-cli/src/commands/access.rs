//! How every command that reaches a registry reads `--creds USER:PASS` and `--insecure`:
//! one parser, so that `pull`, `push`, `tags`, `copy` and the rest accept and refuse the
//! same text. Without `--creds` the engine takes the keychain's login (after
//! `strata login`), else goes anonymous.

use strata_core::catalog::{self, Access};
use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};
use strata_core::reference::Reference;
use strata_core::registry::{Credentials, RegistryOptions};

use crate::cli::RemoteAccess;
use crate::vocabulary::{CliCode, CliHint};

/// `--creds` and `--insecure`, as every remote command takes them.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccessArgs<'a> {
    pub creds: Option<&'a str>,
    pub insecure: bool,
}

impl AccessArgs<'_> {
    /// What the engine is told about access.
    pub fn access(&self) -> Result<Access, Problem> {
        Ok(Access {
            credentials: creds(self.creds, "--creds")?,
            insecure: self.insecure,
        })
    }

    /// The options for `target`'s repository: `--creds` when given, else the login saved
    /// for it, else anonymous; plus the saved registry's settings (`strata registries add
    /// --insecure --ca-file`).
    pub fn options(&self, home: &Home, target: &Reference) -> Result<RegistryOptions, Problem> {
        if self.creds.is_none() {
            // A temporary login from a cloud API (ACR) is replaced before it expires.
            let refresh = catalog::manage::refresh_login(home, &target.registry);
            super::runtime::block_on(refresh)?.map_err(|e| e.problem())?;
        }
        catalog::registry_options(home, &target.registry, &target.repository, &self.access()?)
            .map_err(|e| e.problem())
    }
}

impl<'a> From<&'a RemoteAccess> for AccessArgs<'a> {
    fn from(flags: &'a RemoteAccess) -> Self {
        AccessArgs {
            creds: flags.creds.as_deref(),
            insecure: flags.insecure,
        }
    }
}

/// Reads a `USER:PASSWORD` flag (`flag` names it in the error); the password may hold `:`.
pub fn creds(text: Option<&str>, flag: &str) -> Result<Option<Credentials>, Problem> {
    text.map(|t| {
        Credentials::from_user_pass(t).ok_or_else(|| {
            Problem::new(CliCode::Creds, format!("{flag} must be USER:PASSWORD"))
                .with_hint(CliHint::CredsExample)
        })
    })
    .transpose()
}
