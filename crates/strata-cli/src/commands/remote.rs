//! `strata registries`, `repos`, `tags`, `rtag`, `rdelete`, `copy` and `push-script`:
//! the catalog (`strata_core::catalog`) on the command line. Credentials come from
//! `--creds USER:PASS` or, without it, the keychain (after `strata login`); see
//! [`super::access`].

use crate::render::size as human;
use std::future::Future;
use std::path::PathBuf;

use strata_core::catalog::browse::{self, BrowseOptions, CatalogState};
use strata_core::catalog::manage::{self, ApiSettings};
use strata_core::catalog::registries::normalize_endpoint;
use strata_core::catalog::script::Tool;
use strata_core::catalog::suggest::{self, ScriptFor};
use strata_core::catalog::{
    self, remote, tags, Access, CatalogError, NewRegistry, Provider, RegistriesFile,
};
use strata_core::credentials::host;
use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};
use strata_core::reference::Reference;
use strata_core::task::TaskCtx;

use super::access::{creds, AccessArgs};
use crate::progress::Bars;
use crate::render;
use crate::vocabulary::CliCode;

fn problem(e: CatalogError) -> Problem {
    e.problem()
}

/// Runs one async catalog call (see [`super::runtime::block_on`]).
fn block_on<T>(work: impl Future<Output = Result<T, CatalogError>>) -> Result<T, Problem> {
    super::runtime::block_on(work)?.map_err(problem)
}

fn registries_file(home: &Home) -> Result<RegistriesFile, Problem> {
    RegistriesFile::for_home(home).map_err(problem)
}

/// A registry argument: a saved registry's name, or an endpoint.
fn resolve_registry(home: &Home, text: &str) -> Result<String, Problem> {
    if let Some(saved) = registries_file(home)?.find(text).map_err(problem)? {
        return Ok(saved.endpoint);
    }
    normalize_endpoint(text).map_err(problem)
}

fn reference(text: &str) -> Result<Reference, Problem> {
    Reference::parse(text).map_err(|e| e.problem())
}

// ---- strata registries ---------------------------------------------------------------

/// `strata registries add`.
pub struct AddArgs {
    pub endpoint: String,
    pub provider: Option<String>,
    pub name: Option<String>,
    pub username: Option<String>,
    pub insecure: bool,
    pub ca_file: Option<PathBuf>,
    /// The management API's settings (`--region`, `--instance`, `--api-endpoint`).
    pub api: ApiSettings,
    /// The saved cloud account whose AccessKey the registry uses (`--account`).
    pub account: Option<String>,
}

pub fn registries_list(home: &Home, json: bool) -> Result<(), Problem> {
    let list = catalog::views(home).map_err(problem)?;
    if json {
        return render::json(&list);
    }
    if list.is_empty() {
        println!("No saved registries. Add one: strata registries add ENDPOINT");
        return Ok(());
    }
    println!(
        "{:<24} {:<44} {:<15} {:<24} FLAGS",
        "NAME", "ENDPOINT", "PROVIDER", "USERNAME"
    );
    for v in &list {
        let r = &v.registry;
        let mut flags = Vec::new();
        if r.insecure {
            flags.push("insecure".to_string());
        }
        if r.ca_file.is_some() {
            flags.push("extra-ca".to_string());
        }
        if !r.repositories.is_empty() {
            flags.push(format!("{} hand-added repos", r.repositories.len()));
        }
        let logged_in = if v.accounts.is_empty() {
            ""
        } else {
            " (logged in)"
        };
        println!(
            "{:<24} {:<44} {:<15} {:<24} {}",
            r.name,
            r.endpoint,
            r.provider.id(),
            format!(
                "{}{logged_in}",
                v.effective_username.as_deref().unwrap_or("-")
            ),
            flags.join(", ")
        );
    }
    Ok(())
}

pub fn registries_add(home: &Home, args: AddArgs, json: bool) -> Result<(), Problem> {
    let provider = args
        .provider
        .as_deref()
        .map(|p| Provider::parse(p).ok_or_else(|| problem(CatalogError::UnknownProvider(p.into()))))
        .transpose()?;
    let ca_file = args.ca_file.map(|p| std::path::absolute(&p).unwrap_or(p));
    let new = NewRegistry {
        endpoint: args.endpoint,
        name: args.name,
        provider,
        username: args.username,
        insecure: args.insecure,
        ca_file,
    };
    let saved = match args.account {
        Some(account) => {
            let add = manage::add_with_key(
                home,
                new,
                args.api,
                manage::KeySource::Account(account),
                None,
            );
            super::runtime::block_on(add)?
        }
        None => manage::add_registry(home, new, Some(args.api)),
    }
    .map_err(|e| e.problem())?;
    if json {
        return render::json(&saved);
    }
    println!(
        "Saved {} ({}, {})",
        saved.name,
        saved.endpoint,
        saved.provider.preset().label
    );
    if saved
        .api
        .as_ref()
        .is_some_and(|a| a.access_key_id.is_none())
        && matches!(
            saved.provider,
            Provider::AcrPersonal | Provider::AcrEnterprise
        )
    {
        println!(
            "Save an AccessKey to manage it: `strata cloud-login {} --access-key-id ID \
             --access-key-secret-stdin`",
            saved.name
        );
    } else if !saved.provider.preset().lists_repositories {
        println!(
            "This registry does not list its repositories: add them with \
             `strata repos {} --add NAMESPACE/REPOSITORY`",
            saved.endpoint
        );
    }
    Ok(())
}

pub fn registries_remove(home: &Home, name: &str, json: bool) -> Result<(), Problem> {
    let removed = manage::remove_registry(home, name).map_err(|e| e.problem())?;
    if json {
        return render::json(&removed);
    }
    println!("Removed {} ({})", removed.name, removed.endpoint);
    Ok(())
}

// ---- strata repos --------------------------------------------------------------------

/// `strata repos`.
pub struct ReposArgs<'a> {
    pub target: &'a str,
    pub add: Vec<String>,
    pub forget: Vec<String>,
    pub no_catalog: bool,
    pub page_size: usize,
    pub access: AccessArgs<'a>,
    pub json: bool,
}

pub fn repos(home: &Home, args: ReposArgs) -> Result<(), Problem> {
    let (first, namespace) = match args.target.split_once('/') {
        Some((r, ns)) => (r, Some(ns.trim_matches('/').to_string())),
        None => (args.target, None),
    };
    let _ = host::parse_target(args.target).map_err(|e| e.problem())?;
    let endpoint = resolve_registry(home, first)?;
    let file = registries_file(home)?;
    if !args.add.is_empty() {
        file.add_repositories(&endpoint, &args.add)
            .map_err(problem)?;
    }
    if !args.forget.is_empty() {
        file.forget_repositories(&endpoint, &args.forget)
            .map_err(problem)?;
    }
    let manual = file
        .by_endpoint(&endpoint)
        .map_err(problem)?
        .map(|s| s.repositories)
        .unwrap_or_default();
    let access = args.access.access()?;
    let options = BrowseOptions {
        page_size: args.page_size,
        namespace,
        skip_catalog: args.no_catalog,
    };
    let tree = block_on(async {
        let client = catalog::connect(home, &endpoint, "", &access).await?;
        browse::repositories(&client, &manual, &options).await
    })?;
    if args.json {
        return render::json(&tree);
    }
    for ns in &tree.namespaces {
        println!("{}/", ns.name);
        for r in &ns.repositories {
            let mark = match r.source {
                browse::Source::Manual => "  (added by hand)",
                _ => "",
            };
            println!("  {}{mark}", r.name);
        }
    }
    if let CatalogState::Unavailable { reason, hint } = &tree.catalog {
        eprintln!(
            "note: {} does not list its repositories ({reason})",
            tree.registry
        );
        render::hint(hint);
    }
    if let CatalogState::Truncated { .. } = &tree.catalog {
        eprintln!(
            "note: the catalog was cut at {} repositories",
            browse::MAX_REPOSITORIES
        );
    }
    Ok(())
}

// ---- strata tags ---------------------------------------------------------------------

pub fn tags(
    home: &Home,
    repo: &str,
    with_details: bool,
    page_size: usize,
    access: AccessArgs,
    json: bool,
) -> Result<(), Problem> {
    let r = Reference::parse_name(repo).map_err(|e| e.problem())?;
    let access = access.access()?;
    let (names, details) = block_on(async {
        // A read: the registry's mirrors are asked first.
        catalog::access::read(home, &r.registry, &r.repository, &access, async |client| {
            let names = tags::list(client, &r.repository, page_size, |_| {}).await?;
            let mut out = Vec::new();
            if with_details {
                for t in &names {
                    out.push(tags::details(client, &r.repository, t).await?);
                }
            }
            Ok((names, out))
        })
        .await
    })?;
    if with_details {
        if json {
            return render::json(&details);
        }
        println!(
            "{:<32} {:<19} {:>10}  {:<25} PLATFORMS",
            "TAG", "DIGEST", "SIZE", "CREATED"
        );
        for d in &details {
            println!(
                "{:<32} {:<19} {:>10}  {:<25} {}",
                d.tag,
                format!("sha256:{}", d.digest.short()),
                human(d.size),
                d.created.as_deref().unwrap_or("-"),
                d.platforms.join(", ")
            );
        }
        return Ok(());
    }
    if json {
        return render::json(&serde_json::json!({
            "repository": r.name(),
            "tags": names,
        }));
    }
    for t in &names {
        println!("{t}");
    }
    Ok(())
}

// ---- strata rtag / rdelete / copy ----------------------------------------------------

pub fn rtag(
    home: &Home,
    source: &str,
    target: &str,
    access: AccessArgs,
    json: bool,
) -> Result<(), Problem> {
    let src = reference(source)?;
    // A bare tag names a tag of the source's repository.
    let dst = if !target.contains('/') && !target.contains('@') && !target.contains(':') {
        src.with_tag(target).map_err(|e| e.problem())?
    } else {
        reference(target)?
    };
    let access = access.access()?;
    let done = block_on(async {
        let client = catalog::connect(home, &src.registry, &src.repository, &access).await?;
        remote::retag(&client, &src, &dst).await
    })?;
    if json {
        return render::json(&done);
    }
    println!("Tagged {} as {}", done.source, done.target);
    println!("Digest: {}", done.digest);
    Ok(())
}

pub fn rdelete(
    home: &Home,
    target: &str,
    yes: bool,
    access: AccessArgs,
    json: bool,
) -> Result<(), Problem> {
    let r = reference(target)?;
    let access = access.access()?;
    let plan = block_on(async {
        let client = catalog::connect(home, &r.registry, &r.repository, &access).await?;
        remote::delete(&client, &r, yes).await
    })?;
    if json {
        return render::json(&plan);
    }
    println!("Deleted {} ({})", plan.reference, plan.digest);
    if !plan.also_removed.is_empty() {
        eprintln!(
            "warning: the tags {} named the same digest and were deleted too",
            plan.also_removed.join(", ")
        );
    }
    Ok(())
}

/// `strata copy`.
pub struct CopyArgs<'a> {
    pub source: &'a str,
    pub target: &'a str,
    pub creds: Option<&'a str>,
    pub src_creds: Option<&'a str>,
    pub dest_creds: Option<&'a str>,
    pub insecure: bool,
    pub json: bool,
}

pub fn copy(home: &Home, args: CopyArgs) -> Result<(), Problem> {
    let src = reference(args.source)?;
    let dst = reference(args.target)?;
    let shared = creds(args.creds, "--creds")?;
    let src_access = Access {
        credentials: creds(args.src_creds, "--src-creds")?.or_else(|| shared.clone()),
        insecure: args.insecure,
    };
    let dst_access = Access {
        credentials: creds(args.dest_creds, "--dest-creds")?.or(shared),
        insecure: args.insecure,
    };
    // Per-blob progress as a push shows it; Ctrl-C stops before any manifest is written.
    let view = Bars::new(args.json);
    let cancel = crate::interrupt::token();
    let done = block_on(async {
        let from = catalog::connect(home, &src.registry, &src.repository, &src_access).await?;
        let to = catalog::connect(home, &dst.registry, &dst.repository, &dst_access).await?;
        remote::copy_with(&from, &src, &to, &dst, TaskCtx::new(&view, &cancel)).await
    });
    view.finish();
    let done = done?;
    if args.json {
        return render::json(&done);
    }
    println!("Copied {} to {}", done.source, done.target);
    if let Some(d) = &done.digest {
        println!("Digest: {d}");
    }
    println!(
        "Manifests: {}; blobs: {} streamed ({}), {} mounted, {} already there",
        done.manifests,
        done.blobs_streamed,
        human(done.bytes_streamed),
        done.blobs_mounted,
        done.blobs_skipped
    );
    Ok(())
}

// ---- strata push-script --------------------------------------------------------------

pub fn push_script(
    home: &Home,
    repo: &str,
    strata: bool,
    vpc: bool,
    username: Option<&str>,
    json: bool,
) -> Result<(), Problem> {
    // `REGISTRY/REPO` where REGISTRY may be a saved registry's name.
    let (registry, repository) = repo.split_once('/').ok_or_else(|| {
        Problem::new(
            CliCode::Repository,
            format!("`{repo}` names no registry: expected REGISTRY/NAMESPACE/REPOSITORY"),
        )
    })?;
    let ask = ScriptFor {
        registry,
        repository,
        username,
        tool: if strata { Tool::Strata } else { Tool::Docker },
        vpc,
    };
    let s = suggest::push_script(home, &ask).map_err(problem)?;
    if json {
        return render::json(&s);
    }
    print!("{}", s.text());
    Ok(())
}
