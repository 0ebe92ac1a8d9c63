//! `strata login`, `strata logout`, `strata accounts` and `strata login --import-docker`:
//! registry logins kept in the OS keychain (`strata_core::credentials`). Nothing here ever
//! prints a secret: passwords come in on stdin and go straight to the engine.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;

use strata_core::catalog::manage;
use strata_core::credentials::{
    self, host, Account, CredentialsError, Keychain, Login, SecretKind,
};
use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};
use strata_core::secret::Sensitive;

use crate::render;

fn problem(e: CredentialsError) -> Problem {
    e.problem()
}

/// What `strata login REGISTRY` takes.
pub struct LoginArgs<'a> {
    pub registry: &'a str,
    pub username: Option<&'a str>,
    pub password_stdin: bool,
    pub namespace: Option<&'a str>,
    pub default: bool,
    pub insecure: bool,
    pub json: bool,
}

use super::runtime::block_on;
use crate::vocabulary::{CliCode, CliHint};

/// `--password-stdin`: everything on stdin, without the newline `echo` adds.
fn read_password() -> Result<Sensitive<String>, Problem> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| {
        Problem::new(
            CliCode::Stdin,
            format!("cannot read the password from stdin: {e}"),
        )
    })?;
    let trimmed = text.trim_end_matches(['\n', '\r']).len();
    text.truncate(trimmed);
    Ok(Sensitive::new(text))
}

fn describe(a: &Account) -> String {
    let scope = a
        .namespace
        .as_deref()
        .map(|ns| format!(" for {}/{ns}", a.registry))
        .unwrap_or_default();
    let default = if a.default { ", default account" } else { "" };
    format!("{} on {}{scope}{default}", a.username, a.registry)
}

pub fn login(home: &Home, args: LoginArgs) -> Result<(), Problem> {
    let keychain = Keychain::open(home).map_err(problem)?;
    let (registry, target_ns) = host::parse_target(args.registry).map_err(problem)?;
    let namespace = match (args.namespace, target_ns) {
        (Some(flag), Some(path)) if flag.trim_matches('/') != path => {
            return Err(Problem::new(
                CliCode::Namespace,
                format!(
                    "--namespace {flag} disagrees with the namespace `{path}` in {}",
                    args.registry
                ),
            )
            .with_hint(CliHint::NamespaceOnce))
        }
        (Some(flag), _) => Some(flag.trim_matches('/').to_string()),
        (None, path) => path,
    };
    // The saved registry's insecure flag and extra CA: a login reaches the registry the
    // way later pulls and pushes will.
    let transport = strata_core::catalog::transport_options(home, &registry, args.insecure)
        .map_err(|e| e.problem())?;
    if !args.password_stdin {
        if args.username.is_none() {
            if let Some(saved) = manage::saved_registry(home, args.registry)
                .map_err(|e| e.problem())?
                .filter(manage::has_cloud_login)
            {
                return cloud_login(home, &saved, namespace, &transport, args.json);
            }
        }
        return recheck(&keychain, &registry, &transport, args);
    }
    let username = args.username.ok_or_else(|| {
        Problem::new(
            CliCode::Username,
            "--password-stdin needs the account's name",
        )
        .with_hint(CliHint::AddUser)
    })?;
    let login = Login {
        registry,
        username: username.to_string(),
        namespace,
        make_default: args.default,
        kind: SecretKind::Password,
        secret: read_password()?,
    };
    let account = block_on(credentials::login(&keychain, &login, &transport))?.map_err(problem)?;
    if args.json {
        return render::json(&account);
    }
    println!("Login succeeded: {}", describe(&account));
    println!(
        "The secret is in the system keychain; `strata logout {}` removes it.",
        account.registry
    );
    Ok(())
}

/// `strata login REGISTRY` for a registry with a saved AccessKey: a temporary password
/// from the management API, checked with the registry and kept like any login.
fn cloud_login(
    home: &Home,
    saved: &strata_core::catalog::SavedRegistry,
    namespace: Option<String>,
    transport: &strata_core::registry::RegistryOptions,
    json: bool,
) -> Result<(), Problem> {
    let login = manage::log_in_with_api(home, &saved.endpoint, namespace, transport);
    let account = block_on(login)?.map_err(|e| e.problem())?;
    if json {
        return render::json(&account);
    }
    println!(
        "Login succeeded with a temporary password from the API: {}",
        describe(&account)
    );
    Ok(())
}

/// `strata login REGISTRY [-u USER]` without a password: checks the saved login again,
/// as `docker login` does with stored credentials.
fn recheck(
    keychain: &Keychain,
    registry: &str,
    transport: &strata_core::registry::RegistryOptions,
    args: LoginArgs,
) -> Result<(), Problem> {
    keychain.ensure_available().map_err(problem)?;
    let mine: Vec<Account> = keychain
        .accounts()
        .map_err(problem)?
        .into_iter()
        .filter(|a| a.registry == registry)
        .collect();
    let not_logged_in = || {
        problem(CredentialsError::NotLoggedIn {
            registry: registry.to_string(),
            username: args.username.map(str::to_string),
        })
    };
    let account = match args.username {
        Some(user) => mine.iter().find(|a| a.username == user),
        None => mine.iter().find(|a| a.default).or(match mine.as_slice() {
            [only] => Some(only),
            _ => None,
        }),
    }
    .ok_or_else(not_logged_in)?;
    let creds = keychain
        .credentials(account)
        .map_err(problem)?
        .ok_or_else(not_logged_in)?;
    block_on(credentials::verify::check(
        registry,
        &account.username,
        &creds,
        transport,
    ))?
    .map_err(problem)?;
    let mut account = account.clone();
    if args.default && !account.default {
        keychain
            .make_default(registry, &account.username)
            .map_err(problem)?;
        account.default = true;
    }
    if args.json {
        return render::json(&account);
    }
    println!(
        "Login succeeded with the saved secret: {}",
        describe(&account)
    );
    Ok(())
}

pub fn logout(
    home: &Home,
    registry: &str,
    username: Option<&str>,
    all: bool,
) -> Result<(), Problem> {
    let keychain = Keychain::open(home).map_err(problem)?;
    let (registry, _) = host::parse_target(registry).map_err(problem)?;
    let removed = keychain.remove(&registry, username, all).map_err(problem)?;
    for a in removed {
        println!(
            "Logged out: {} on {} (the secret is deleted from the keychain)",
            a.username, a.registry
        );
    }
    Ok(())
}

pub fn accounts(home: &Home, json: bool) -> Result<(), Problem> {
    let keychain = Keychain::open(home).map_err(problem)?;
    let list = keychain.accounts().map_err(problem)?;
    if json {
        return render::json(&list);
    }
    if list.is_empty() {
        println!("No saved logins. Add one with `strata login REGISTRY -u USER --password-stdin`.");
        return Ok(());
    }
    let rows: Vec<[String; 4]> = list
        .iter()
        .map(|a| {
            [
                a.registry.clone(),
                a.username.clone(),
                a.namespace.clone().unwrap_or_else(|| "*".into()),
                if a.default {
                    "yes".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let header = ["REGISTRY", "USERNAME", "NAMESPACE", "DEFAULT"].map(String::from);
    let width = |i: usize| {
        rows.iter()
            .chain(std::iter::once(&header))
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for r in std::iter::once(&header).chain(rows.iter()) {
        println!("{:w0$}  {:w1$}  {:w2$}  {}", r[0], r[1], r[2], r[3]);
    }
    Ok(())
}

/// `strata login --import-docker [--config PATH] [--yes]`. With `--json`, stdout holds
/// only the imported accounts; the listing and the question go to stderr.
pub fn import(home: &Home, config: Option<PathBuf>, yes: bool, json: bool) -> Result<(), Problem> {
    let say = |text: String| {
        if json {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    };
    let done = |saved: &[Account]| {
        if json {
            render::json(&saved)
        } else {
            Ok(())
        }
    };
    let keychain = Keychain::open(home).map_err(problem)?;
    // Before anything is read or asked: without a keychain there is nowhere to import to.
    keychain.ensure_available().map_err(problem)?;
    let paths = match config {
        Some(path) => vec![path],
        None => credentials::import_sources(),
    };
    if paths.is_empty() {
        say(
            "No docker or podman login files found (~/.docker/config.json, \
             $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json)."
                .into(),
        );
        return done(&[]);
    }
    let found = credentials::discover(&paths).map_err(problem)?;
    for s in &found.skipped {
        eprintln!("warning: skipped {s}");
    }
    if found.found.is_empty() {
        say(format!("No logins to import in {}.", join_paths(&paths)));
        return done(&[]);
    }
    say(format!(
        "Found {} login(s) to import into the system keychain:",
        found.found.len()
    ));
    for f in &found.found {
        let ns = f
            .namespace
            .as_deref()
            .map(|n| format!("/{n}"))
            .unwrap_or_default();
        let kind = match f.kind {
            SecretKind::Password => "password",
            SecretKind::IdentityToken => "identity token",
        };
        say(format!(
            "  {}{ns}  as {}  ({kind}, from {})",
            f.registry, f.username, f.source
        ));
    }
    if !yes && !confirm()? {
        say("Nothing was imported.".into());
        return done(&[]);
    }
    let saved = keychain.import(&found.found).map_err(problem)?;
    say(format!("Imported {} login(s).", saved.len()));
    done(&saved)
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Asks on the terminal; without one, consent must be given with --yes.
fn confirm() -> Result<bool, Problem> {
    if !std::io::stdin().is_terminal() {
        return Err(Problem::new(
            CliCode::Consent,
            "importing logins needs your consent, and there is no terminal to ask on",
        )
        .with_hint(CliHint::AnswerOrYes));
    }
    // On stderr, so that `--json` output stays clean.
    eprint!("Import them? [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Problem::new(CliCode::Stdin, format!("cannot read the answer: {e}")))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
