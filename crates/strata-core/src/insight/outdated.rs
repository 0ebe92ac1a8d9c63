//! Which local images their registry has replaced: for each image named after a registry
//! tag, one `HEAD` of the tag's manifest ([distribution spec § Checking if content
//! exists]) compared with what the store holds. Credentials and registry settings come
//! from where pulls take them (the saved registry, the keychain).
//!
//! A pull names the platform's image manifest and keeps the index it came from as an
//! unnamed blob, so an image is up to date when the tag's digest is its manifest's, or is an
//! index that lists its manifest: one the store holds, or one the registry gives (a
//! multi-platform tag republished with another platform changed, or with one added, is
//! still this platform's image; that costs one `GET` of the index). Names on Docker Hub are
//! checked only when the image came from there (the store remembers which repositories its
//! blobs were pulled from): `app:1` built locally reads as `docker.io/library/app:1` but was
//! never pulled.
//!
//! [distribution spec § Checking if content exists]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#checking-if-content-exists-in-the-registry

use std::time::Duration;

use futures::StreamExt;
use oci_spec::image::{ImageIndex, ImageManifest};
use serde::Serialize;

use crate::catalog::{self, tags, Access, CatalogError};
use crate::credentials::host;
use crate::digest::Digest;
use crate::home::Home;
use crate::problem::{Code, Explain, Problem};
use crate::reference::{familiar, Reference, DOCKER_HUB};
use crate::registry::sources::BlobSources;
use crate::registry::{Client, RegistryOptions};
use crate::store::{Store, StoreError};

/// Registries asked at once.
pub const CONCURRENCY: usize = 4;
/// The longest one image's check may take.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// What the registry says about one local image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// The tag still names the local image.
    UpToDate,
    /// The tag now names another digest (`remote`).
    UpdateAvailable,
    /// The registry could not be asked (`problem` says why).
    CannotCheck,
}

/// One local image checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutdatedImage {
    /// The full reference: `127.0.0.1:5000/team/app:1`.
    pub name: String,
    /// The digest the local name points at.
    pub local: String,
    pub state: Freshness,
    /// What the tag names on the registry, when it was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub remote: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub problem: Option<Problem>,
}

/// How [`outdated`] checks.
#[derive(Debug, Clone)]
pub struct OutdatedOptions {
    pub concurrency: usize,
    pub timeout: Duration,
    /// Only these names (full or familiar); `None`: every image named after a registry tag.
    pub only: Option<Vec<String>>,
}

impl Default for OutdatedOptions {
    fn default() -> Self {
        OutdatedOptions {
            concurrency: CONCURRENCY,
            timeout: TIMEOUT,
            only: None,
        }
    }
}

/// One image to check.
struct Candidate {
    reference: Reference,
    tag: String,
    local: Digest,
}

/// Checks every local image named after a registry tag (see the module doc), in name
/// order. A registry that cannot be asked makes that image [`Freshness::CannotCheck`];
/// only failing to read the store fails the whole check.
pub async fn outdated(
    home: &Home,
    store: &Store,
    opts: &OutdatedOptions,
) -> Result<Vec<OutdatedImage>, StoreError> {
    let candidates = candidates(store, opts)?;
    let checks = candidates.into_iter().map(|c| async move {
        let remote = tokio::time::timeout(opts.timeout, remote_digest(home, store, &c)).await;
        let remote = match remote {
            Ok(r) => r,
            Err(_) => Err(Problem::new(
                Code::RegistryConnect,
                format!(
                    "{} did not answer within {} s",
                    c.reference.registry,
                    opts.timeout.as_secs()
                ),
            )),
        };
        judge(c, remote)
    });
    let mut out: Vec<OutdatedImage> = futures::stream::iter(checks)
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn candidates(store: &Store, opts: &OutdatedOptions) -> Result<Vec<Candidate>, StoreError> {
    let sources = BlobSources::load(store.root());
    let mut out = Vec::new();
    for image in store.refs()? {
        if image.name.is_empty() {
            continue;
        }
        if let Some(only) = &opts.only {
            if !only.contains(&image.name) && !only.contains(&familiar(&image.name)) {
                continue;
            }
        }
        let Some(reference) = image.reference() else {
            continue;
        };
        // A name pinned to a digest cannot change.
        let (Some(tag), None) = (reference.tag.clone(), &reference.digest) else {
            continue;
        };
        let Ok(local) = image.digest() else { continue };
        if reference.registry == DOCKER_HUB && !pulled_from(store, &sources, &reference, &local) {
            continue;
        }
        out.push(Candidate {
            reference,
            tag,
            local,
        });
    }
    Ok(out)
}

/// Whether the store remembers one of the image's blobs coming from its repository.
fn pulled_from(store: &Store, sources: &BlobSources, r: &Reference, local: &Digest) -> bool {
    let Ok(manifest) = store.read_json::<ImageManifest>(local) else {
        return false;
    };
    let blobs = std::iter::once(manifest.config()).chain(manifest.layers());
    blobs
        .filter_map(|d| Digest::try_from(d.digest()).ok())
        .any(|d| sources.holds(&r.registry, &r.repository, &d))
}

/// What the tag names on its registry now.
struct Remote {
    digest: Digest,
    /// The tag still names the local image: its manifest, or an index listing it.
    lists_local: bool,
}

/// The digest the tag names on its registry now: asked of the registry's mirrors first
/// (what a pull would get; one that fails is passed over), then of the registry itself.
async fn remote_digest(home: &Home, store: &Store, c: &Candidate) -> Result<Remote, Problem> {
    let r = &c.reference;
    let mirrors =
        catalog::access::mirrors(home, &r.registry, &r.repository).map_err(|e| e.problem())?;
    for mirror in mirrors {
        let options = RegistryOptions {
            retries: Some(1),
            ..mirror.options
        };
        let asked = match Client::connect(&mirror.host, &options).await {
            Ok(client) => ask(&client, store, c).await,
            Err(e) => Err(e.into()),
        };
        match asked {
            Ok(d) => return Ok(d),
            Err(e) => {
                tracing::warn!(mirror = %mirror.host, error = %e, "mirror failed, trying the next");
            }
        }
    }
    let options = catalog::registry_options(home, &r.registry, &r.repository, &Access::default())
        .map_err(|e| e.problem())?;
    let options = RegistryOptions {
        // One quick try: a check is repeated later anyway.
        retries: Some(1),
        ..options
    };
    let client = Client::connect(&host::normalize_registry(&r.registry), &options)
        .await
        .map_err(|e| e.problem())?;
    ask(&client, store, c).await.map_err(|e| e.problem())
}

/// One registry's answer: a `HEAD` of the tag, and when that names an index the store
/// does not hold, a `GET` of it, in case it lists the local image. A plain manifest is
/// never fetched (on Docker Hub a `GET` counts against the pull limit).
async fn ask(client: &Client, store: &Store, c: &Candidate) -> Result<Remote, CatalogError> {
    let head = tags::head_of(client, &c.reference.repository, &c.tag).await?;
    let digest = head.digest;
    let mut lists_local = digest == c.local || index_lists(store, &digest, &c.local);
    let maybe_index = head
        .media_type
        .as_deref()
        .is_none_or(crate::media::is_index);
    if !lists_local && maybe_index {
        let raw = client
            .get_manifest(&c.reference.repository, &digest.to_string())
            .await?;
        lists_local = crate::media::is_index(&raw.media_type)
            && serde_json::from_slice::<ImageIndex>(&raw.bytes).is_ok_and(|i| lists(&i, &c.local));
    }
    Ok(Remote {
        digest,
        lists_local,
    })
}

/// The verdict on one image.
fn judge(c: Candidate, remote: Result<Remote, Problem>) -> OutdatedImage {
    let (state, remote, problem) = match remote {
        Ok(r) if r.lists_local => (Freshness::UpToDate, Some(r.digest), None),
        Ok(r) => (Freshness::UpdateAvailable, Some(r.digest), None),
        Err(p) => (Freshness::CannotCheck, None, Some(p)),
    };
    OutdatedImage {
        name: c.reference.to_string(),
        local: c.local.to_string(),
        state,
        remote: remote.map(|d| d.to_string()),
        problem,
    }
}

/// Whether `index` is an index the store holds that lists `manifest` (a pull keeps it).
fn index_lists(store: &Store, index: &Digest, manifest: &Digest) -> bool {
    if !store.has_blob(index) {
        return false;
    }
    store
        .read_json::<ImageIndex>(index)
        .is_ok_and(|i| lists(&i, manifest))
}

fn lists(index: &ImageIndex, manifest: &Digest) -> bool {
    let manifest = manifest.to_string();
    index
        .manifests()
        .iter()
        .any(|m| m.digest().to_string() == manifest)
}
