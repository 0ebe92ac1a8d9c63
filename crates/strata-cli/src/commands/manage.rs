//! `strata cloud-login`, `strata cloud-accounts`, `strata ns ls|create|rm`, `strata repo ls|show|create|rm` and
//! `strata registries instances`:
//! namespaces and repositories through a registry's management API
//! (`strata_core::catalog::manage`). The AccessKey secret comes in on stdin and goes
//! straight to the engine; nothing here prints a secret.

use std::io::{BufRead, IsTerminal, Read, Write};

use strata_core::catalog::acs3::AccessKey;
use strata_core::catalog::manage::{self, ManageError, NewRepository, Repository};
use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};

use super::runtime::block_on;
use crate::cli::{CloudAccountsAction, NsAction, RepoAction};
use crate::render;
use crate::vocabulary::{CliCode, CliHint};

fn run<T>(work: impl std::future::Future<Output = Result<T, ManageError>>) -> Result<T, Problem> {
    block_on(work)?.map_err(|e| e.problem())
}

/// `REGISTRY/NS[/REPO]` → the registry and the path segments after it.
fn split(target: &str, want: usize, shape: &str) -> Result<(String, Vec<String>), Problem> {
    let mut parts = target.trim_end_matches('/').splitn(want + 1, '/');
    let registry = parts.next().unwrap_or_default().to_string();
    let rest: Vec<String> = parts.map(str::to_string).collect();
    if registry.is_empty() || rest.len() != want || rest.iter().any(|p| p.is_empty()) {
        return Err(Problem::new(
            CliCode::Repository,
            format!("`{target}` is not {shape}"),
        ));
    }
    Ok((registry, rest))
}

/// Asks before deleting, unless `--yes`; refuses without a terminal to ask on.
fn confirm(what: &str, yes: bool) -> Result<(), Problem> {
    if yes {
        return Ok(());
    }
    let refuse = || {
        Problem::new(CliCode::Consent, format!("{what} was not confirmed"))
            .with_hint(CliHint::AnswerOrYes)
    };
    if !std::io::stdin().is_terminal() {
        return Err(refuse());
    }
    eprint!("Delete {what}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|_| refuse())?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(refuse())
    }
}

/// The secret (and with `sts`, the STS token on the next line) from stdin.
fn read_key(id: &str, sts: bool) -> Result<AccessKey, Problem> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| {
        Problem::new(
            CliCode::Stdin,
            format!("cannot read the AccessKey secret from stdin: {e}"),
        )
    })?;
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let secret = lines.next().unwrap_or_default().to_string();
    let key = AccessKey::new(id, secret);
    if !sts {
        return Ok(key);
    }
    match lines.next().filter(|t| !t.is_empty()) {
        Some(token) => Ok(key.with_security_token(token)),
        None => Err(Problem::new(
            CliCode::Stdin,
            "--sts-token needs the STS token on the second line of stdin",
        )),
    }
}

pub fn cloud_login(
    home: &Home,
    registry: &str,
    id: Option<&str>,
    sts: bool,
    account: Option<&str>,
    json: bool,
) -> Result<(), Problem> {
    let saved = match (id, account) {
        (Some(id), _) => {
            let key = read_key(id, sts)?;
            run(manage::cloud_login(home, registry, key, account))?
        }
        (None, Some(account)) => run(manage::use_account(home, registry, account))?,
        (None, None) => unreachable!("clap requires --access-key-id or --account"),
    };
    if json {
        return render::json(&saved);
    }
    let api = saved.api.clone().unwrap_or_default();
    println!(
        "{} uses the cloud account {} (AccessKey {}; the secret is in the system keychain).",
        saved.name,
        api.account.as_deref().unwrap_or("-"),
        api.access_key_id.as_deref().unwrap_or("-"),
    );
    println!(
        "`strata login {}` now gets a temporary registry password from the API.",
        saved.name
    );
    Ok(())
}

/// `strata cloud-accounts ls|add|rm`.
pub fn cloud_accounts(
    home: &Home,
    action: Option<CloudAccountsAction>,
    json: bool,
) -> Result<(), Problem> {
    match action {
        None | Some(CloudAccountsAction::Ls) => {
            let list = manage::cloud_accounts(home).map_err(|e| e.problem())?;
            if json {
                return render::json(&list);
            }
            if list.is_empty() {
                println!(
                    "No cloud accounts. Add one: strata cloud-accounts add NAME --access-key-id \
                     ID --access-key-secret-stdin"
                );
                return Ok(());
            }
            println!(
                "{:<20} {:<8} {:<26} {:<20} REGISTRIES",
                "NAME", "PROVIDER", "ACCESS KEY ID", "CREATED"
            );
            for v in &list {
                let a = &v.account;
                let id = if a.sts {
                    format!("{} (STS)", a.access_key_id)
                } else {
                    a.access_key_id.clone()
                };
                println!(
                    "{:<20} {:<8} {:<26} {:<20} {}",
                    a.name,
                    "aliyun",
                    id,
                    a.created.format("%Y-%m-%d %H:%M"),
                    if v.registries.is_empty() {
                        "-".to_string()
                    } else {
                        v.registries.join(", ")
                    }
                );
            }
            Ok(())
        }
        Some(CloudAccountsAction::Add {
            name,
            access_key_id,
            access_key_secret_stdin: _,
            sts_token,
            registry,
        }) => {
            let key = read_key(&access_key_id, sts_token)?;
            let view = run(manage::add_cloud_account(
                home,
                &name,
                key,
                registry.as_deref(),
            ))?;
            if json {
                return render::json(&view);
            }
            match registry {
                Some(_) => println!(
                    "Saved the cloud account {name} (AccessKey {access_key_id}, checked; the \
                     secret is in the system keychain), used by {}.",
                    view.registries.join(", ")
                ),
                None => println!(
                    "Saved the cloud account {name} (AccessKey {access_key_id}; the secret is \
                     in the system keychain). It is checked when a registry first uses it: \
                     `strata registries add ENDPOINT --provider acr-personal --account {name}`."
                ),
            }
            Ok(())
        }
        Some(CloudAccountsAction::Rm { name, force }) => {
            let removed =
                manage::remove_cloud_account(home, &name, force).map_err(|e| e.problem())?;
            if json {
                return render::json(&removed);
            }
            println!(
                "Removed the cloud account {} and its secret from the keychain.",
                removed.account.name
            );
            if !removed.registries.is_empty() {
                println!(
                    "These registries have no AccessKey now: {}",
                    removed.registries.join(", ")
                );
            }
            Ok(())
        }
    }
}

/// `strata registries instances`: ACR Enterprise instances with their registry domains.
pub fn instances(home: &Home, registry: &str, json: bool) -> Result<(), Problem> {
    let list = run(manage::instances(home, registry))?;
    if json {
        return render::json(&list);
    }
    for i in &list {
        println!(
            "{:<24} {:<16} {:<10} internet: {}  vpc: {}",
            i.id,
            i.name,
            i.status,
            i.internet.join(", "),
            i.vpc.join(", ")
        );
    }
    Ok(())
}

pub fn ns(home: &Home, action: NsAction) -> Result<(), Problem> {
    match action {
        NsAction::Ls { registry, json } => {
            let list = run(manage::namespaces(home, &registry))?;
            if json {
                return render::json(&list);
            }
            for ns in &list {
                let visibility = match ns.public {
                    Some(true) => "public",
                    Some(false) => "private",
                    None => "",
                };
                println!("{:<32} {visibility}", ns.name);
            }
            Ok(())
        }
        NsAction::Create {
            target,
            public,
            json,
        } => {
            let (registry, rest) = split(&target, 1, "REGISTRY/NAMESPACE")?;
            let ns = run(manage::create_namespace(home, &registry, &rest[0], public))?;
            if json {
                return render::json(&ns);
            }
            println!("Created namespace {} on {registry}", ns.name);
            Ok(())
        }
        NsAction::Rm { target, yes } => {
            let (registry, rest) = split(&target, 1, "REGISTRY/NAMESPACE")?;
            confirm(
                &format!("the namespace {target} and every repository in it"),
                yes,
            )?;
            run(manage::delete_namespace(home, &registry, &rest[0]))?;
            println!("Deleted namespace {}", rest[0]);
            Ok(())
        }
    }
}

fn visibility(r: &Repository) -> &'static str {
    if r.public {
        "public"
    } else {
        "private"
    }
}

pub fn repo(home: &Home, action: RepoAction) -> Result<(), Problem> {
    match action {
        RepoAction::Ls { target, json } => {
            let (registry, rest) = split(&target, 1, "REGISTRY/NAMESPACE")?;
            let list = run(manage::repositories(home, &registry, &rest[0]))?;
            if json {
                return render::json(&list);
            }
            for r in &list {
                println!("{:<40} {:<8} {}", r.name, visibility(r), r.summary);
            }
            Ok(())
        }
        RepoAction::Show { target, json } => show(home, &target, json),
        RepoAction::Create {
            target,
            summary,
            detail,
            public,
            json,
        } => {
            let (registry, rest) = split(&target, 2, "REGISTRY/NAMESPACE/REPOSITORY")?;
            let new = NewRepository {
                namespace: rest[0].clone(),
                name: rest[1].clone(),
                summary,
                detail,
                public,
            };
            let repo = run(manage::create_repository(home, &registry, &new))?;
            if json {
                return render::json(&repo);
            }
            println!(
                "Created {} repository {}/{} on {registry}",
                visibility(&repo),
                repo.namespace,
                repo.name
            );
            Ok(())
        }
        RepoAction::Rm { target, yes } => {
            let (registry, rest) = split(&target, 2, "REGISTRY/NAMESPACE/REPOSITORY")?;
            confirm(&format!("the repository {target} and its tags"), yes)?;
            run(manage::delete_repository(
                home, &registry, &rest[0], &rest[1],
            ))?;
            println!("Deleted repository {}/{}", rest[0], rest[1]);
            Ok(())
        }
    }
}

/// `strata repo show`: the repository, its detail and its tags.
fn show(home: &Home, target: &str, json: bool) -> Result<(), Problem> {
    let (registry, rest) = split(target, 2, "REGISTRY/NAMESPACE/REPOSITORY")?;
    let (repo, tags) = run(async {
        let api = manage::open(home, &registry)?;
        let repo = api.repository(&rest[0], &rest[1]).await?;
        let tags = api.tags(&rest[0], &rest[1]).await?;
        Ok((repo, tags))
    })?;
    if json {
        return render::json(&serde_json::json!({ "repository": repo, "tags": tags }));
    }
    println!("{}/{} ({})", repo.namespace, repo.name, visibility(&repo));
    if !repo.summary.is_empty() {
        println!("{}", repo.summary);
    }
    if let Some(detail) = repo.detail.as_deref().filter(|d| !d.is_empty()) {
        println!("\n{detail}\n");
    }
    for t in &tags {
        let size = t.size.map(render::size).unwrap_or_default();
        let when = t.updated.map(|d| d.to_rfc3339()).unwrap_or_default();
        println!("{:<24} {:<10} {when}", t.tag, size);
    }
    Ok(())
}
