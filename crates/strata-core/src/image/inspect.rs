//! What `strata inspect` and `strata history` show, and what the app's Overview, History
//! and Layers tabs render: an image's config ([OCI image spec: config § properties]),
//! platform, layers with compressed and uncompressed sizes, and its history matched to the
//! layers the way `docker history` matches them (each entry that is not `empty_layer`
//! takes the next layer).
//!
//! An uncompressed size costs a full decompression for compressed layers, so it is
//! computed only when asked ([`InspectOptions::compute_sizes`]) and then remembered in the
//! store's `cache/` folder, keyed by the layer's digest (immutable, so never stale).
//!
//! [OCI image spec: config § properties]: https://github.com/opencontainers/image-spec/blob/main/config.md#properties

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::PathBuf;

use oci_spec::image::Descriptor;
use serde::Serialize;

use super::model::{self, digest_of, ResolvedImage};
use super::ImageError;
use crate::digest::Digest;
use crate::layer::Compression;
use crate::platform::Platform;
use crate::store::Store;

/// How much work an inspection may do.
#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    /// The platform to show when the name points at an index; this machine's by default.
    pub platform: Option<Platform>,
    /// Decompress compressed layers whose uncompressed size is not known yet.
    pub compute_sizes: bool,
}

/// Everything about one image, as `strata inspect --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct ImageDetails {
    /// The name asked about, normalised (`docker.io/library/busybox:latest`), or the ID.
    pub reference: String,
    /// Every name in the store that points at the same manifest or index.
    pub names: Vec<String>,
    /// The image ID: the config's digest, as docker defines it.
    pub id: Digest,
    pub manifest_digest: Digest,
    /// The manifest's media type (OCI or Docker schema 2).
    pub media_type: String,
    /// The index the name points at, when it points at one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_digest: Option<Digest>,
    /// The platforms that index offers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    pub created: Option<String>,
    pub author: Option<String>,
    pub platform: Platform,
    pub config: RunConfig,
    pub layers: Vec<LayerDetails>,
    /// The layers' bytes as stored (compressed where they are).
    pub size: u64,
    /// The layers' bytes unpacked, when every layer's is known.
    pub uncompressed_size: Option<u64>,
}

/// How a container from this image starts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunConfig {
    pub env: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub exposed_ports: Vec<String>,
    pub volumes: Vec<String>,
    pub stop_signal: Option<String>,
}

/// One layer, bottom first.
#[derive(Debug, Clone, Serialize)]
pub struct LayerDetails {
    pub digest: Digest,
    /// The digest of the uncompressed tar, from the config's `rootfs.diff_ids`.
    pub diff_id: Option<String>,
    pub media_type: String,
    /// Bytes as stored.
    pub size: u64,
    /// Bytes once decompressed, when known.
    pub uncompressed_size: Option<u64>,
}

/// One step of how the image was built, as `docker history` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub author: Option<String>,
    pub comment: Option<String>,
    /// The step changed no files (ENV, CMD, LABEL…).
    pub empty_layer: bool,
    /// The layer this step made, when it made one.
    pub layer: Option<Digest>,
    /// That layer's size as stored; 0 for an empty step.
    pub size: u64,
    /// That layer's size unpacked (what `docker history` prints), when known.
    pub uncompressed_size: Option<u64>,
}

/// Reads everything about the image `name_or_id` names.
pub fn inspect(
    store: &Store,
    name_or_id: &str,
    opts: &InspectOptions,
) -> Result<ImageDetails, ImageError> {
    let found = store.resolve(name_or_id)?;
    let image = model::resolve(store, &found.descriptor, opts.platform.as_ref())?;
    details(store, &found.name, &found.descriptor, &image, opts)
}

/// The image's history, newest step first (as `docker history` lists it).
pub fn history(
    store: &Store,
    name_or_id: &str,
    opts: &InspectOptions,
) -> Result<Vec<HistoryEntry>, ImageError> {
    let found = store.resolve(name_or_id)?;
    let image = model::resolve(store, &found.descriptor, opts.platform.as_ref())?;
    let layers = layer_details(store, &image, opts.compute_sizes)?;
    Ok(history_of(&image, &layers))
}

/// Builds the details of an image already resolved.
pub fn details(
    store: &Store,
    name: &str,
    top: &Descriptor,
    image: &ResolvedImage,
    opts: &InspectOptions,
) -> Result<ImageDetails, ImageError> {
    let layers = layer_details(store, image, opts.compute_sizes)?;
    let top_digest = digest_of(top)?;
    let names = store
        .refs()?
        .into_iter()
        .filter(|r| r.descriptor.digest() == top.digest())
        .map(|r| r.name)
        .collect();
    let c = &image.config;
    let run = c.config().as_ref().map(run_config).unwrap_or_default();
    let size = layers.iter().map(|l| l.size).sum();
    let uncompressed_size = layers.iter().map(|l| l.uncompressed_size).sum();
    Ok(ImageDetails {
        reference: if name.is_empty() {
            image.id()?.to_string()
        } else {
            name.to_string()
        },
        names,
        id: image.id()?,
        manifest_digest: digest_of(&image.manifest_descriptor)?,
        media_type: image
            .manifest
            .media_type()
            .as_ref()
            .map(|m| m.to_string())
            .unwrap_or_else(|| image.manifest_descriptor.media_type().to_string()),
        index_digest: image.index.as_ref().map(|_| top_digest),
        platforms: image
            .index
            .as_ref()
            .map(|(_, i)| model::platforms_of(i))
            .unwrap_or_default(),
        created: c.created().clone(),
        author: c.author().clone(),
        platform: Platform::of_config(c),
        config: run,
        layers,
        size,
        uncompressed_size,
    })
}

fn run_config(c: &oci_spec::image::Config) -> RunConfig {
    let list = |v: &Option<Vec<String>>| v.clone().unwrap_or_default();
    let mut ports = list(c.exposed_ports());
    ports.sort();
    let mut volumes = list(c.volumes());
    volumes.sort();
    RunConfig {
        env: list(c.env()),
        entrypoint: list(c.entrypoint()),
        cmd: list(c.cmd()),
        working_dir: c.working_dir().clone().filter(|s| !s.is_empty()),
        user: c.user().clone().filter(|s| !s.is_empty()),
        labels: c.labels().clone().unwrap_or_default().into_iter().collect(),
        exposed_ports: ports,
        volumes,
        stop_signal: c.stop_signal().clone(),
    }
}

/// The manifest's layers with their diff_ids and sizes.
pub fn layer_details(
    store: &Store,
    image: &ResolvedImage,
    compute_sizes: bool,
) -> Result<Vec<LayerDetails>, ImageError> {
    let diff_ids = image.config.rootfs().diff_ids();
    image
        .manifest
        .layers()
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(LayerDetails {
                digest: digest_of(l)?,
                diff_id: diff_ids.get(i).cloned(),
                media_type: l.media_type().to_string(),
                size: l.size(),
                uncompressed_size: uncompressed_size(store, l, compute_sizes)?,
            })
        })
        .collect()
}

/// Matches history steps to layers: every step that is not `empty_layer` made the next
/// layer. Layers left over (images built without history) get an entry of their own.
pub fn history_of(image: &ResolvedImage, layers: &[LayerDetails]) -> Vec<HistoryEntry> {
    let mut next = layers.iter();
    let mut out: Vec<HistoryEntry> = Vec::new();
    for h in image.config.history().iter().flatten() {
        let empty = h.empty_layer().unwrap_or(false);
        let layer = if empty { None } else { next.next() };
        out.push(HistoryEntry {
            created: h.created().clone(),
            created_by: h.created_by().clone(),
            author: h.author().clone(),
            comment: h.comment().clone(),
            empty_layer: empty,
            layer: layer.map(|l| l.digest.clone()),
            size: layer.map_or(0, |l| l.size),
            uncompressed_size: match layer {
                Some(l) => l.uncompressed_size,
                None => Some(0),
            },
        });
    }
    for l in next {
        out.push(HistoryEntry {
            created: None,
            created_by: None,
            author: None,
            comment: None,
            empty_layer: false,
            layer: Some(l.digest.clone()),
            size: l.size,
            uncompressed_size: l.uncompressed_size,
        });
    }
    out.reverse();
    out
}

/// A layer's uncompressed size: its size when it is stored uncompressed; else what the
/// cache remembers; else (when allowed) computed by decompressing it once.
pub fn uncompressed_size(
    store: &Store,
    layer: &Descriptor,
    compute: bool,
) -> Result<Option<u64>, ImageError> {
    if Compression::from_media_type(layer.media_type().as_ref()) == Some(Compression::None) {
        return Ok(Some(layer.size()));
    }
    let digest = digest_of(layer)?;
    let cached = size_cache_path(store, &digest);
    if let Some(n) = std::fs::read_to_string(&cached)
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        return Ok(Some(n));
    }
    if !compute {
        return Ok(None);
    }
    let blob = store.open_blob(&digest)?;
    let mut reader = decompressor(io::BufReader::new(blob))
        .map_err(|e| ImageError::io("decompress", store.blob_path(&digest), e))?;
    let n = io::copy(&mut reader, &mut io::sink())
        .map_err(|e| ImageError::io("decompress", store.blob_path(&digest), e))?;
    remember_uncompressed_size(store, &digest, n);
    Ok(Some(n))
}

/// Records a layer's uncompressed size (import and commit know it for free).
/// The unpacked size of the compressed blob `digest` in the store: the cache, or one
/// decompression to count (remembered).
pub(crate) fn unpacked_size_of(store: &Store, digest: &Digest) -> io::Result<u64> {
    let cached = size_cache_path(store, digest);
    if let Some(n) = std::fs::read_to_string(&cached)
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        return Ok(n);
    }
    let blob = store.open_blob(digest).map_err(io::Error::other)?;
    let damaged = |e: io::Error| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the store's layer {digest} is damaged ({e}); run `strata fsck`"),
        )
    };
    let mut reader = decompressor(io::BufReader::new(blob)).map_err(damaged)?;
    let n = io::copy(&mut reader, &mut io::sink()).map_err(damaged)?;
    remember_uncompressed_size(store, digest, n);
    Ok(n)
}

pub fn remember_uncompressed_size(store: &Store, digest: &Digest, size: u64) {
    let path = size_cache_path(store, digest);
    // A cache: failing to write it only costs a recomputation later.
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_extension("tmp");
    if std::fs::write(&tmp, size.to_string()).is_ok() {
        let _ = std::fs::rename(&tmp, &path);
    }
}

fn size_cache_path(store: &Store, digest: &Digest) -> PathBuf {
    // Beside blobs/, where OCI tools do not look.
    store
        .root()
        .join("cache")
        .join("uncompressed-size")
        .join(digest.hex())
}

/// A reader that decompresses gzip or zstd (by magic bytes) and passes a plain tar as is.
pub(crate) fn decompressor<'a, R: io::BufRead + 'a>(mut r: R) -> io::Result<Box<dyn Read + 'a>> {
    let head = r.fill_buf()?;
    Ok(match Compression::detect(head) {
        Compression::None => Box::new(r),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(r)?),
    })
}
