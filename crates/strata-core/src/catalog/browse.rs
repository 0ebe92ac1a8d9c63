//! The tree registry → namespace → repository: `/v2/_catalog` ([OCI distribution spec §
//! listing repositories], distribution's catalog API) page by page with `n` and `Link`,
//! plus the repositories the user added by hand. A registry that refuses the catalog
//! (ACR Personal, Docker Hub, GHCR; or an account without the catalog permission) still
//! shows its hand-added repositories, with a note saying to add others by hand.
//!
//! The namespace is a repository's first path segment (`team` of `team/app`,
//! `team/sub/app`); a repository without one is under [`ROOT_NAMESPACE`].
//!
//! [OCI distribution spec § listing repositories]: https://distribution.github.io/distribution/spec/api/#listing-repositories

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde::Serialize;

use super::CatalogError;
use crate::registry::auth::Scope;
use crate::registry::client::Req;
use crate::registry::paging::Pager;
use crate::registry::{Client, RegistryError};

/// The namespace of repositories that have no `/`.
pub const ROOT_NAMESPACE: &str = "(root)";
/// Entries asked per catalog page. Distribution answers every page by walking its
/// repositories from the start up to `last`, so pages of 100 made 20,000 repositories a
/// 200-page, 42-second listing where pages of 1,000 take 4.5 s (`make bench-catalog-scale`).
/// 1,000 is distribution 3's default `maxentries` (a larger `n` is refused there; 2.8 has no
/// cap); registries with a smaller cap send fewer and link to the rest.
pub const DEFAULT_PAGE: usize = 1000;
/// A catalog longer than this is cut (and says so): a tree of a million names helps no one.
pub const MAX_REPOSITORIES: usize = 100_000;

/// How to list.
#[derive(Debug, Clone, Default)]
pub struct BrowseOptions {
    /// Entries per page (`n`); 0: [`DEFAULT_PAGE`].
    pub page_size: usize,
    /// Only this namespace (`team`, or [`ROOT_NAMESPACE`]).
    pub namespace: Option<String>,
    /// Do not ask the registry: hand-added repositories only.
    pub skip_catalog: bool,
}

/// Where a repository in the tree came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Source {
    Catalog,
    Manual,
    /// Listed by the registry and added by hand.
    Both,
    /// Listed by the provider's management API ([`super::manage`]).
    Api,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepositoryEntry {
    /// The full path: `team/app`.
    pub name: String,
    pub source: Source,
    /// The provider's one-line description (management API only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub summary: Option<String>,
    /// Whether anyone may pull it (management API only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub public: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Namespace {
    /// `team`, or [`ROOT_NAMESPACE`].
    pub name: String,
    pub repositories: Vec<RepositoryEntry>,
    /// Whether its new repositories are public (management API only, when told).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub public: Option<bool>,
}

/// What the registry said about its catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CatalogState {
    /// Listed completely.
    Listed { pages: usize },
    /// Listed, but cut at [`MAX_REPOSITORIES`].
    Truncated { pages: usize },
    /// The registry does not list its repositories for this account.
    Unavailable {
        reason: String,
        hint: crate::problem::Hint,
    },
    /// Not asked ([`BrowseOptions::skip_catalog`]).
    Skipped,
    /// Not asked: the provider's management API listed the tree instead.
    Api,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepositoryTree {
    pub registry: String,
    pub catalog: CatalogState,
    pub namespaces: Vec<Namespace>,
    /// What the management API can do, when the tree came from one: the UI offers New
    /// namespace…, New repository… and Delete accordingly.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub api: Option<super::manage::Capabilities>,
}

/// The namespace of a repository path.
pub fn namespace_of(repository: &str) -> &str {
    match repository.split_once('/') {
        Some((ns, _)) => ns,
        None => ROOT_NAMESPACE,
    }
}

/// Groups repositories (catalog ones and hand-added ones) into namespaces, sorted.
pub fn group(listed: &[String], manual: &[String], namespace: Option<&str>) -> Vec<Namespace> {
    let mut all: BTreeMap<String, Source> = BTreeMap::new();
    for r in listed {
        all.insert(r.clone(), Source::Catalog);
    }
    for r in manual {
        all.entry(r.clone())
            .and_modify(|s| *s = Source::Both)
            .or_insert(Source::Manual);
    }
    let mut tree: BTreeMap<String, Vec<RepositoryEntry>> = BTreeMap::new();
    for (name, source) in all {
        let ns = namespace_of(&name).to_string();
        if namespace.is_some_and(|want| want.trim_matches('/') != ns) {
            continue;
        }
        tree.entry(ns).or_default().push(RepositoryEntry {
            name,
            source,
            summary: None,
            public: None,
        });
    }
    tree.into_iter()
        .map(|(name, repositories)| Namespace {
            name,
            repositories,
            public: None,
        })
        .collect()
}

/// Lists the tree: the catalog (unless skipped or refused) plus `manual` repositories.
pub async fn repositories(
    client: &Client,
    manual: &[String],
    options: &BrowseOptions,
) -> Result<RepositoryTree, CatalogError> {
    let (listed, catalog) = if options.skip_catalog {
        (Vec::new(), CatalogState::Skipped)
    } else {
        match list_catalog(client, options.page_size, |_| {}).await {
            Ok((names, pages, truncated)) => {
                let state = if truncated {
                    CatalogState::Truncated { pages }
                } else {
                    CatalogState::Listed { pages }
                };
                (names, state)
            }
            Err(CatalogError::NoCatalog { registry, reason }) => {
                let hint = super::no_catalog_hint(&registry);
                (Vec::new(), CatalogState::Unavailable { reason, hint })
            }
            Err(e) => return Err(e),
        }
    };
    Ok(RepositoryTree {
        registry: client.registry().to_string(),
        catalog,
        namespaces: group(&listed, manual, options.namespace.as_deref()),
        api: None,
    })
}

/// Every repository of the catalog, page by page (`on_page` sees each page's new names as
/// they come, for a UI that fills in progressively). Returns the names, sorted, the pages
/// read, and whether the list was cut at [`MAX_REPOSITORIES`]. A registry that refuses the
/// catalog gives [`CatalogError::NoCatalog`]; one whose pages do not end (a `Link` back to a
/// page already read, a page of nothing new, more than
/// [`MAX_PAGES`](crate::registry::paging::MAX_PAGES) pages) a [`RegistryError::Protocol`]
/// that says so.
pub async fn list_catalog(
    client: &Client,
    page_size: usize,
    mut on_page: impl FnMut(&[String]),
) -> Result<(Vec<String>, usize, bool), CatalogError> {
    #[derive(serde::Deserialize)]
    struct Page {
        #[serde(default)]
        repositories: Option<Vec<String>>,
    }
    let n = if page_size == 0 {
        DEFAULT_PAGE
    } else {
        page_size
    };
    let mut url = client.base_url().clone();
    url.set_path("/v2/_catalog");
    url.query_pairs_mut().append_pair("n", &n.to_string());
    let scopes = [Scope::catalog()];
    let mut pager = Pager::new("the catalog", &url);
    let mut out: Vec<String> = Vec::new();
    let mut next = Some(url);
    let no_catalog = |reason: String| CatalogError::NoCatalog {
        registry: client.registry().to_string(),
        reason,
    };
    while let Some(url) = next.take() {
        let resp = match client
            .send(Req::new(Method::GET, url, &scopes, "list the catalog"))
            .await
        {
            Ok(r) => r,
            Err(RegistryError::Denied { .. }) => {
                return Err(no_catalog("the account may not list the catalog".into()))
            }
            Err(e) => return Err(e.into()),
        };
        match resp.status() {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED | StatusCode::FORBIDDEN => {
                return Err(no_catalog(format!(
                    "it answered {} to /v2/_catalog",
                    resp.status()
                )))
            }
            _ => {
                client
                    .expect(resp, &[StatusCode::OK], "list the catalog", None)
                    .await?;
                return Err(no_catalog("unexpected answer".into()));
            }
        }
        let (page, link): (Page, _) = client.json_page(resp, "the catalog").await?;
        let before = out.len();
        next = pager
            .page(page.repositories.unwrap_or_default(), link, &mut out)
            .map_err(|reason| client.protocol(reason))?;
        on_page(&out[before..]);
        if out.len() >= MAX_REPOSITORIES {
            out.truncate(MAX_REPOSITORIES);
            return Ok((out, pager.pages(), true));
        }
    }
    out.sort();
    Ok((out, pager.pages(), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_group_by_first_segment_with_a_root_namespace() {
        let listed = vec![
            "team/app".to_string(),
            "team/sub/tool".to_string(),
            "solo".to_string(),
            "other/x".to_string(),
        ];
        let manual = vec!["team/app".to_string(), "mine/hand".to_string()];
        let tree = group(&listed, &manual, None);
        let names: Vec<&str> = tree.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, vec!["(root)", "mine", "other", "team"]);
        let team = &tree[3];
        assert_eq!(
            team.repositories,
            vec![
                RepositoryEntry {
                    name: "team/app".into(),
                    source: Source::Both,
                    summary: None,
                    public: None,
                },
                RepositoryEntry {
                    name: "team/sub/tool".into(),
                    source: Source::Catalog,
                    summary: None,
                    public: None,
                },
            ]
        );
        assert_eq!(tree[1].repositories[0].source, Source::Manual);
        let only = group(&listed, &manual, Some("team"));
        assert_eq!(only.len(), 1);
        assert_eq!(
            group(&listed, &[], Some(ROOT_NAMESPACE))[0].repositories[0].name,
            "solo"
        );
    }
}
