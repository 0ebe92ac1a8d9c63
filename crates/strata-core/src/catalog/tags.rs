//! A repository's tags ([OCI distribution spec § listing tags]): the list page by page
//! (`n`, `last`, `Link`), and per tag on demand what the Registries screen's table shows:
//! digest, compressed size (config + layers; for an index, of every image in it),
//! platforms, and the created time from the image config.
//!
//! [OCI distribution spec § listing tags]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use oci_spec::image::ImageConfiguration;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use url::Url;

use super::CatalogError;
use crate::digest::Digest;
use crate::platform::Platform;
use crate::registry::auth::Scope;
use crate::registry::client::Req;
use crate::registry::http::{describe_reqwest, read_capped};
use crate::registry::manifest::{self, Kind};
use crate::registry::paging::Pager;
use crate::registry::{Client, RawManifest, RegistryError};

/// Tags asked per page.
pub const DEFAULT_PAGE: usize = 1000;
/// A config larger than this is not read for its created time.
const CONFIG_MAX: usize = 8 * 1024 * 1024;
/// Manifests of an index fetched at once.
const PARALLEL: usize = 4;

/// Every tag of `repository`, page by page (`on_page` sees each page's new tags as they
/// come), in the registry's order (lexical on distribution). `page_size` 0:
/// [`DEFAULT_PAGE`]. A listing that does not end (a `Link` back to a page already read, a
/// page of nothing new, more than [`MAX_PAGES`](crate::registry::paging::MAX_PAGES)
/// pages) is a [`RegistryError::Protocol`] that says so.
pub async fn list(
    client: &Client,
    repository: &str,
    page_size: usize,
    mut on_page: impl FnMut(&[String]),
) -> Result<Vec<String>, CatalogError> {
    let url = first_page(client, repository, page_size);
    let mut pager = Pager::new(format!("the tag list of {repository}"), &url);
    let mut out: Vec<String> = Vec::new();
    let mut next = Some(url);
    while let Some(url) = next.take() {
        let (tags, link) = fetch(client, repository, url).await?;
        let before = out.len();
        next = pager
            .page(tags, link, &mut out)
            .map_err(|reason| client.protocol(reason))?;
        on_page(&out[before..]);
    }
    Ok(out)
}

/// One page of a tag list, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TagPage {
    pub tags: Vec<String>,
    /// The query of the next page (`n=1000&last=v9`), as the registry's `Link` header
    /// gives it; `None` at the end. Handed back to [`page`] as it is.
    pub next: Option<String>,
}

/// One page of `repository`'s tags: the first (`cursor` `None`) or the one `cursor` names,
/// so that a table can show the first page at once and ask for the rest while it is shown.
/// The cursor only ever sets the query of this repository's `tags/list` URL, so a cursor
/// from elsewhere (the webview) can ask for nothing else; a `Link` to another path or
/// host is refused. Ending the walk (a page of nothing new, a page limit) is the caller's
/// part, as [`list`] does it.
pub async fn page(
    client: &Client,
    repository: &str,
    page_size: usize,
    cursor: Option<&str>,
) -> Result<TagPage, CatalogError> {
    let mut url = first_page(client, repository, page_size);
    if let Some(cursor) = cursor {
        url.set_query(Some(cursor));
    }
    let (tags, link) = fetch(client, repository, url.clone()).await?;
    let next = match link {
        None => None,
        Some(_) if tags.is_empty() => None,
        Some(link) => {
            if link.origin() != url.origin() || link.path() != url.path() {
                return Err(client
                    .protocol(format!(
                        "the tag list of {repository} links to {link}, outside the listing"
                    ))
                    .into());
            }
            match link.query() {
                Some(q) if !q.is_empty() && Some(q) != url.query() => Some(q.to_string()),
                _ => {
                    return Err(client
                        .protocol(format!(
                            "the tag list of {repository} links back to the page just read"
                        ))
                        .into())
                }
            }
        }
    };
    Ok(TagPage { tags, next })
}

/// The URL of the first page of `repository`'s tags.
fn first_page(client: &Client, repository: &str, page_size: usize) -> Url {
    let n = if page_size == 0 {
        DEFAULT_PAGE
    } else {
        page_size
    };
    let mut url = client.url(repository, "tags/list");
    url.query_pairs_mut().append_pair("n", &n.to_string());
    url
}

/// One page's tags and its `Link` to the next.
async fn fetch(
    client: &Client,
    repository: &str,
    url: Url,
) -> Result<(Vec<String>, Option<Url>), CatalogError> {
    #[derive(serde::Deserialize)]
    struct Page {
        #[serde(default)]
        tags: Option<Vec<String>>,
    }
    let scopes = [Scope::pull(repository)];
    let action = format!("list the tags of {repository}");
    let what = format!("repository {repository}");
    let resp = client.get_ok(url, &scopes, &action, &what).await?;
    let (page, link): (Page, _) = client
        .json_page(resp, &format!("the tag list of {repository}"))
        .await?;
    Ok((page.tags.unwrap_or_default(), link))
}

/// What the tags table shows for one tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TagDetails {
    pub tag: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub digest: Digest,
    pub media_type: String,
    /// Whether the tag names a multi-platform index.
    pub index: bool,
    /// Compressed bytes: config + layers (for an index, of every image in it).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// `linux/amd64`, `linux/arm64/v8`; attestation entries (`unknown/unknown`) left out.
    pub platforms: Vec<String>,
    /// The image's `created` time (RFC 3339), from its config; for an index, of the image
    /// for this machine's platform, else the first.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub created: Option<String>,
}

/// Fetches a small blob (a config) whole, verifying its digest.
pub(crate) async fn fetch_small_blob(
    client: &Client,
    repository: &str,
    digest: &Digest,
    max: usize,
) -> Result<Bytes, RegistryError> {
    let scopes = [Scope::pull(repository)];
    let action = format!("fetch blob {} of {repository}", digest.short());
    let what = format!("blob {digest} of {repository}");
    let url = client.url(repository, &format!("blobs/{digest}"));
    let resp = client.get_ok(url, &scopes, &action, &what).await?;
    let bytes = read_capped(resp, max)
        .await
        .map_err(|e| client.connect_error(describe_reqwest(&e)))?;
    if bytes.len() > max {
        return Err(client.protocol(format!("{what} is larger than {max} bytes")));
    }
    crate::digest::verify(digest, None, &Digest::of(&bytes), bytes.len() as u64).map_err(
        |source| RegistryError::Digest {
            registry: client.registry().to_string(),
            what,
            source,
        },
    )?;
    Ok(Bytes::from(bytes))
}

/// One image manifest's size, config digest, and the platform its index entry gives.
struct ImageFacts {
    size: u64,
    config: Digest,
    config_size: u64,
}

fn image_facts(raw: &RawManifest, what: &str, registry: &str) -> Result<ImageFacts, RegistryError> {
    let m = manifest::parse_manifest(&raw.bytes, what, registry)?;
    let size = m.config().size() + m.layers().iter().map(|l| l.size()).sum::<u64>();
    Ok(ImageFacts {
        size,
        config: manifest::digest_of(m.config(), registry)?,
        config_size: m.config().size(),
    })
}

/// The config's created time and platform.
async fn read_config(
    client: &Client,
    repository: &str,
    facts: &ImageFacts,
) -> Result<(Option<String>, Option<String>), RegistryError> {
    if facts.config_size as usize > CONFIG_MAX {
        return Ok((None, None));
    }
    let bytes = fetch_small_blob(client, repository, &facts.config, CONFIG_MAX).await?;
    // Not every config is an image config (artifacts): no time then, not an error.
    let Ok(config) = ImageConfiguration::from_reader(&bytes[..]) else {
        return Ok((None, None));
    };
    let platform = Platform::of_config(&config);
    Ok((config.created().clone(), Some(platform.to_string())))
}

/// Details of one tag (or digest) of `repository`.
pub async fn details(
    client: &Client,
    repository: &str,
    tag: &str,
) -> Result<TagDetails, CatalogError> {
    let top = client.get_manifest(repository, tag).await?;
    let registry = client.registry().to_string();
    let what = format!("{repository}:{tag}");
    match manifest::kind_of(&top.media_type) {
        Kind::Manifest => {
            let facts = image_facts(&top, &what, &registry)?;
            let (created, platform) = read_config(client, repository, &facts).await?;
            Ok(TagDetails {
                tag: tag.to_string(),
                digest: top.digest,
                media_type: top.media_type,
                index: false,
                size: facts.size,
                platforms: platform.into_iter().collect(),
                created,
            })
        }
        Kind::Index => {
            let idx = manifest::parse_index(&top.bytes, &what, &registry)?;
            let entries: Vec<(Digest, Option<String>)> = idx
                .manifests()
                .iter()
                .filter(|d| manifest::kind_of(d.media_type().as_ref()) == Kind::Manifest)
                .map(|d| {
                    let p = d
                        .platform()
                        .as_ref()
                        .map(|p| Platform::from_oci(p).to_string());
                    Ok((manifest::digest_of(d, &registry)?, p))
                })
                .collect::<Result<_, RegistryError>>()?;
            let children: Vec<(RawManifest, Option<String>)> =
                futures::stream::iter(entries.into_iter().map(|(d, p)| async move {
                    let raw = client.get_manifest(repository, &d.to_string()).await?;
                    Ok::<_, RegistryError>((raw, p))
                }))
                .buffered(PARALLEL)
                .try_collect()
                .await?;
            let mut size = 0;
            let mut platforms = Vec::new();
            let mut facts = Vec::new();
            for (raw, platform) in &children {
                let f = image_facts(raw, &what, &registry)?;
                size += f.size;
                let real = platform
                    .as_deref()
                    .filter(|p| !p.starts_with("unknown/"))
                    .map(str::to_string);
                if let Some(p) = &real {
                    if !platforms.contains(p) {
                        platforms.push(p.clone());
                    }
                }
                facts.push((f, real));
            }
            let here = Platform::current();
            let pick = facts
                .iter()
                .find(|(_, p)| {
                    p.as_deref()
                        .and_then(|p| p.parse::<Platform>().ok())
                        .is_some_and(|p| here.matches(&p))
                })
                .or_else(|| facts.iter().find(|(_, p)| p.is_some()));
            let created = match pick {
                Some((f, _)) => read_config(client, repository, f).await?.0,
                None => None,
            };
            Ok(TagDetails {
                tag: tag.to_string(),
                digest: top.digest,
                media_type: top.media_type,
                index: true,
                size,
                platforms,
                created,
            })
        }
        Kind::Schema1 => Err(RegistryError::Schema1 { reference: what }.into()),
        Kind::Other => Err(RegistryError::MediaType {
            what,
            media_type: top.media_type,
        }
        .into()),
    }
}

/// What a tag points at, as its `HEAD` tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagHead {
    pub digest: Digest,
    /// The manifest's media type, when the registry said (`Content-Type`).
    pub media_type: Option<String>,
}

/// The digest a tag points at, by `HEAD` (cheap: no body, and not counted as a pull by
/// Docker Hub) when the registry gives `Docker-Content-Digest`, else by fetching the
/// manifest.
pub async fn head_of(
    client: &Client,
    repository: &str,
    tag: &str,
) -> Result<TagHead, CatalogError> {
    let scopes = [Scope::pull(repository)];
    let action = format!("check the manifest {repository}:{tag}");
    let what = format!("{repository}:{tag}");
    let url = client.url(repository, &format!("manifests/{tag}"));
    let resp = client
        .send(Req::new(Method::HEAD, url, &scopes, &action).header(
            reqwest::header::ACCEPT,
            crate::registry::client::MANIFEST_ACCEPT,
        ))
        .await?;
    if resp.status() == StatusCode::NOT_FOUND {
        return Err(RegistryError::NotFound {
            registry: client.registry().to_string(),
            what,
            detail: String::new(),
        }
        .into());
    }
    let header = resp
        .headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse::<Digest>().ok());
    let media_type = crate::registry::client::media_type_header(&resp);
    match header {
        Some(digest) if resp.status() == StatusCode::OK => Ok(TagHead { digest, media_type }),
        _ => {
            let raw = client.get_manifest(repository, tag).await?;
            Ok(TagHead {
                digest: raw.digest,
                media_type: Some(raw.media_type),
            })
        }
    }
}
