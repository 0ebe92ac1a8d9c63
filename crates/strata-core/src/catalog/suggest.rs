//! What the catalog suggests for a push, from what the user saved and what the store
//! holds: the places a push can go ([`push_targets`]: each saved registry with the
//! namespaces and repositories known on it) and a repository's push script with the login
//! name filled in ([`push_script`]). The app's Push and Push script dialogs and
//! `strata push-script` ask here, so that they suggest the same things.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::registries::{RegistriesFile, SavedRegistry};
use super::script::{self, PushScript, ScriptRequest, Tool};
use super::{CatalogError, Provider};
use crate::credentials::Keychain;
use crate::home::Home;
use crate::reference::Reference;
use crate::store::Store;

/// A saved registry as the Push dialog offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PushTarget {
    /// What the user calls it.
    pub name: String,
    /// The host references use: `registry.cn-hangzhou.aliyuncs.com`, `127.0.0.1:5000`.
    pub endpoint: String,
    /// `acr_personal`, `acr_enterprise`, `docker_hub`, `ghcr`, `harbor`, `quay`, `generic`.
    pub provider: String,
    /// Namespaces known on it (of the repositories below, or the account name where the
    /// provider's namespace is the user's), sorted.
    pub namespaces: Vec<String>,
    /// Repositories known on it, full paths (`team/app`), sorted: saved by hand, or the
    /// name of a local image.
    pub repositories: Vec<String>,
}

/// The saved registries, each with what a push to it can be offered; none saved: empty.
/// The names of local images add repositories; a store that cannot be read adds none.
pub fn push_targets(home: &Home) -> Result<Vec<PushTarget>, CatalogError> {
    let saved = RegistriesFile::for_home(home)?.load()?;
    let names: Vec<String> = Store::open(&home.path)
        .and_then(|s| s.refs())
        .map(|refs| refs.into_iter().map(|r| r.name).collect())
        .unwrap_or_default();
    Ok(targets(&saved, &names))
}

/// Joins the saved registries with the repositories of local image names on them.
fn targets(saved: &[SavedRegistry], local_names: &[String]) -> Vec<PushTarget> {
    let mut local: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in local_names {
        if let Ok(r) = Reference::parse(name) {
            local.entry(r.registry).or_default().insert(r.repository);
        }
    }
    saved
        .iter()
        .map(|r| {
            let mut repositories: BTreeSet<String> = r.repositories.iter().cloned().collect();
            repositories.extend(local.get(&r.endpoint).into_iter().flatten().cloned());
            let mut namespaces: BTreeSet<String> = repositories
                .iter()
                .filter_map(|repo| repo.rsplit_once('/').map(|(ns, _)| ns.to_string()))
                .collect();
            // On these, the namespace of one's own repositories is the account name.
            let personal = matches!(
                r.provider,
                Provider::DockerHub | Provider::Ghcr | Provider::Quay
            );
            if let (true, Some(user)) = (personal, &r.username) {
                namespaces.insert(user.to_lowercase());
            }
            PushTarget {
                name: r.name.clone(),
                endpoint: r.endpoint.clone(),
                provider: r.provider.id().to_string(),
                namespaces: namespaces.into_iter().collect(),
                repositories: repositories.into_iter().collect(),
            }
        })
        .collect()
}

/// Which push script to write.
#[derive(Debug, Clone, Copy)]
pub struct ScriptFor<'a> {
    /// A saved registry's name or endpoint, or any registry host.
    pub registry: &'a str,
    /// The repository's path on it: `team/app`.
    pub repository: &'a str,
    /// The login name to write; `None`: the saved registry's, else the keychain's.
    pub username: Option<&'a str>,
    pub tool: Tool,
    /// Use the VPC endpoint where the provider has one.
    pub vpc: bool,
}

/// The push script of a repository, in the ACR console's shape. The registry may be a
/// saved registry's name; the repository is read by the reference grammar (so that a
/// name a shell would misread is refused); the login name is the one given, else the
/// saved registry's username, else the keychain account that would be used for the
/// repository (a keychain that cannot be read adds none).
pub fn push_script(home: &Home, req: &ScriptFor<'_>) -> Result<PushScript, CatalogError> {
    let saved = RegistriesFile::for_home(home)?.find(req.registry)?;
    let host = saved.as_ref().map_or(req.registry, |s| s.endpoint.as_str());
    let repository = req.repository.trim_matches('/');
    let name = Reference::parse_name(&format!("{host}/{repository}"))?;
    let username = match req.username {
        Some(user) => Some(user.to_string()),
        None => login_name(home, saved.as_ref(), &name),
    };
    script::try_push_script(&ScriptRequest {
        endpoint: name.registry,
        provider: saved.map(|s| s.provider),
        repository: name.repository,
        username,
        tool: req.tool,
        vpc: req.vpc,
    })
}

/// The saved registry's username, else the keychain's account for the repository.
fn login_name(home: &Home, saved: Option<&SavedRegistry>, name: &Reference) -> Option<String> {
    if let Some(user) = saved.and_then(|s| s.username.clone()) {
        return Some(user);
    }
    Keychain::open(home)
        .and_then(|k| k.account_for(&name.registry, &name.repository))
        .ok()
        .flatten()
        .map(|a| a.username)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::NewRegistry;
    use crate::home::HomeSource;

    fn home(dir: &std::path::Path) -> Home {
        Home {
            path: dir.to_path_buf(),
            source: HomeSource::Flag,
        }
    }

    #[test]
    fn push_targets_offer_saved_and_local_repositories_with_their_namespaces() {
        let dir = tempfile::tempdir().unwrap();
        let file = RegistriesFile::at(dir.path().join("registries.json"));
        file.add(NewRegistry {
            endpoint: "registry.cn-hangzhou.aliyuncs.com".into(),
            name: Some("ACR Hangzhou".into()),
            ..Default::default()
        })
        .unwrap();
        file.add(NewRegistry {
            endpoint: "docker.io".into(),
            username: Some("Ann".into()),
            ..Default::default()
        })
        .unwrap();
        file.update("ACR Hangzhou", |r| r.repositories = vec!["team/api".into()])
            .unwrap();
        let names = [
            "registry.cn-hangzhou.aliyuncs.com/team/web:1".to_string(),
            "registry.cn-hangzhou.aliyuncs.com/other/x/y:2".to_string(),
            "docker.io/library/busybox:latest".to_string(),
            "not a name".to_string(),
        ];
        let got = targets(&file.load().unwrap(), &names);
        let acr = got.iter().find(|t| t.name == "ACR Hangzhou").unwrap();
        assert_eq!(acr.provider, "acr_personal");
        assert_eq!(acr.repositories, ["other/x/y", "team/api", "team/web"]);
        assert_eq!(acr.namespaces, ["other/x", "team"]);
        let hub = got.iter().find(|t| t.endpoint == "docker.io").unwrap();
        assert_eq!(hub.provider, "docker_hub");
        assert_eq!(hub.namespaces, ["ann", "library"]);
        assert!(targets(&[], &names).is_empty());
    }

    #[test]
    fn a_push_script_takes_the_saved_name_and_username_and_refuses_bad_names() {
        let dir = tempfile::tempdir().unwrap();
        let home = home(dir.path());
        RegistriesFile::for_home(&home)
            .unwrap()
            .add(NewRegistry {
                endpoint: "registry.cn-hangzhou.aliyuncs.com".into(),
                name: Some("hz".into()),
                username: Some("dev@example.com".into()),
                ..Default::default()
            })
            .unwrap();
        let ask = |registry, repository, username| ScriptFor {
            registry,
            repository,
            username,
            tool: Tool::Docker,
            vpc: false,
        };
        // By the saved name or by the endpoint: the same registry, the saved username.
        for registry in ["hz", "registry.cn-hangzhou.aliyuncs.com"] {
            let s = push_script(&home, &ask(registry, "team/app", None)).unwrap();
            assert_eq!(s.endpoint, "registry.cn-hangzhou.aliyuncs.com");
            assert!(
                s.text().contains("--username=dev@example.com "),
                "{}",
                s.text()
            );
        }
        // A name given wins; a registry not saved is used as it is, Docker Hub's
        // official repositories under library/.
        let s = push_script(&home, &ask("127.0.0.1:5000", "/team/app/", Some("ann"))).unwrap();
        assert!(
            s.text().contains("--username=ann 127.0.0.1:5000"),
            "{}",
            s.text()
        );
        let s = push_script(&home, &ask("docker.io", "busybox", None)).unwrap();
        assert!(
            s.text().contains("docker.io/library/busybox:[tag]"),
            "{}",
            s.text()
        );
        let err = push_script(&home, &ask("127.0.0.1:5000", "team/$(id)", None)).unwrap_err();
        assert!(err.to_string().contains("invalid reference"), "{err}");
    }
}
