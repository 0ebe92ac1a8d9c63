//! `strata commit`: a new image from a container, as `docker commit -m -a -c` makes one
//! ([OCI image spec: config.md], [manifest.md]).
//!
//! The writable layer's changes become **one** new layer, written by
//! [`crate::layer::write_overlay_upper`] (overlay: the upper
//! folder as it is, overlay markers turned into `.wh.` entries) or
//! [`crate::layer::write_entries`] (baseline: the diff's change
//! list) straight into a store blob: the
//! uncompressed digest (diff_id) and the compressed digest come out of that one pass. The
//! base image's config gets the diff_id appended to `rootfs.diff_ids`, a history entry
//! (`-m` as comment, `-a` as author, the time), the `-c` changes; its manifest gets the new
//! layer appended; both are read through the image model and written back as the base's
//! own JSON, so that every field the base has is kept. Base layers are referenced by their
//! digests, never copied. The name is set last, so a failed commit leaves at most unnamed
//! blobs for gc.
//!
//! With `reproducible`, every time in the layer and the config is clamped to
//! `SOURCE_DATE_EPOCH`, so the same change gives the same digests.
//!
//! [OCI image spec: config.md]: https://github.com/opencontainers/image-spec/blob/main/config.md
//! [manifest.md]: https://github.com/opencontainers/image-spec/blob/main/manifest.md

// Untrusted trees: every path through crate::fs (see clippy.toml).
#![warn(clippy::disallowed_methods)]

use std::path::Path;

use oci_spec::image::{Config, Descriptor, ImageConfiguration, ImageManifest, MediaType};
use serde::Serialize;
use serde_json::{json, Value};

use super::ContainerError;
use crate::digest::Digest;
use crate::image::change::{apply_change, empty_config};
use crate::image::inspect::remember_uncompressed_size;
use crate::image::model;
use crate::image::ImageError;
use crate::layer::{self, Compression, LayerChange, LayerWritten, WriteOptions};
use crate::media;
use crate::reference::Reference;
use crate::store::Store;
use crate::task::{TaskCtx, UnitKind, UnitState, Watch};

/// What to commit.
#[derive(Debug, Clone)]
pub struct CommitOptions {
    /// The new image's name.
    pub reference: Reference,
    /// The history comment (`-m`).
    pub message: Option<String>,
    /// The author (`-a`).
    pub author: Option<String>,
    /// Dockerfile-style config changes (`-c 'CMD ["sh"]'`).
    pub changes: Vec<String>,
    /// gzip by default; zstd as an option.
    pub compression: Compression,
    /// Compression level (gzip 0–9, zstd 1–22); the compressor's default when `None`.
    pub level: Option<i32>,
    /// Clamp every time to this instant (seconds since the epoch), for reproducible
    /// images; see [`WriteOptions::source_date_epoch`].
    pub reproducible: Option<i64>,
}

impl CommitOptions {
    pub fn new(reference: Reference) -> CommitOptions {
        CommitOptions {
            reference,
            message: None,
            author: None,
            changes: Vec::new(),
            compression: Compression::Gzip,
            level: None,
            reproducible: None,
        }
    }
}

/// What a commit made.
#[derive(Debug, Clone, Serialize)]
pub struct Committed {
    /// The full name the image got.
    pub name: String,
    /// The new manifest's digest (its first 12 hex digits are the image ID `images` shows).
    pub digest: Digest,
    pub config_digest: Digest,
    /// The one new layer.
    pub layer: LayerWritten,
    /// How many base layers the image shares with its base, by digest.
    pub base_layers: usize,
    /// How many paths the new layer adds, changes or deletes.
    pub changes: usize,
}

/// Where the new layer's content comes from.
pub(crate) enum LayerSource<'a> {
    /// An overlay upper folder, written whole (`changes`: how many paths the diff lists).
    Upper { upper: &'a Path, changes: usize },
    /// A change list over a merged copy.
    Changes {
        root: &'a Path,
        changes: &'a [LayerChange],
    },
}

/// The base image as commit reads it: its manifest and config through the image model
/// (what to read), and as JSON (what to write back, every field kept).
struct Base {
    manifest: ImageManifest,
    manifest_json: Value,
    manifest_digest: Digest,
    config: ImageConfiguration,
    config_json: Value,
    config_digest: Digest,
}

impl Base {
    fn read(store: &Store, manifest_digest: &Digest) -> Result<Base, ContainerError> {
        let what = format!("manifest {manifest_digest}");
        let bytes = model::read_document(store, manifest_digest, &what)?;
        let manifest = model::parse_manifest(&bytes, &what)?;
        let manifest_json = json_of(&bytes, "manifest")?;
        let config_digest = model::digest_of(manifest.config())?;
        let what = format!("config {config_digest}");
        let bytes = model::read_document(store, &config_digest, &what)?;
        let config = model::parse_config(&bytes, &what)?;
        let config_json = json_of(&bytes, "config")?;
        Ok(Base {
            manifest,
            manifest_json,
            manifest_digest: manifest_digest.clone(),
            config,
            config_json,
            config_digest,
        })
    }

    /// Whether the base is a Docker schema 2 image (else OCI).
    fn is_docker(&self) -> bool {
        self.manifest
            .media_type()
            .as_ref()
            .is_some_and(|m| m.to_string() == media::DOCKER_MANIFEST)
    }
}

/// Writes the layer, config and manifest, then names the image.
pub(crate) fn commit(
    store: &Store,
    manifest_digest: &Digest,
    source: LayerSource<'_>,
    opts: &CommitOptions,
    ctx: TaskCtx<'_>,
) -> Result<Committed, ContainerError> {
    let base = Base::read(store, manifest_digest)?;
    let base_layers = base.config.rootfs().diff_ids().len();
    if base.manifest.layers().len() != base_layers {
        return Err(ContainerError::LayerCount(manifest_digest.to_string()));
    }
    // The cheap checks come before the long part.
    let mut run = base.config.config().clone().unwrap_or_else(empty_config);
    for change in &opts.changes {
        apply_change(&mut run, change)?;
    }
    let (written, changes) = write_layer(store, source, opts, ctx)?;
    remember_uncompressed_size(store, &written.digest, written.uncompressed_size);

    let created = match opts.reproducible {
        Some(t) => chrono::DateTime::from_timestamp(t, 0).unwrap_or_default(),
        None => chrono::Utc::now(),
    }
    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let keep_docker = base.is_docker() && opts.compression.docker_media_type().is_some();
    let config = new_config(&base, &run, &written, opts, &created)?;
    let config_bytes =
        serde_json::to_vec(&config).map_err(|e| ImageError::json("the config", "config", e))?;
    let (new_config, config_size) = store.put_bytes(&config_bytes)?;
    let manifest = new_manifest(
        &base,
        &written,
        opts,
        keep_docker,
        (&new_config, config_size),
    )?;
    let manifest_bytes = serde_json::to_vec(&manifest)
        .map_err(|e| ImageError::json("the manifest", "manifest", e))?;
    let (digest, size) = store.put_bytes(&manifest_bytes)?;
    let media_type = if keep_docker {
        MediaType::Other(media::DOCKER_MANIFEST.into())
    } else {
        MediaType::ImageManifest
    };
    store.set_ref(&opts.reference, Descriptor::new(media_type, size, &digest))?;
    Ok(Committed {
        name: opts.reference.to_string(),
        digest,
        config_digest: new_config,
        layer: written,
        base_layers,
        changes,
    })
}

/// Writes the one new layer into a store blob; returns it and how many paths it changes.
/// Its compressed bytes as they reach the store are the task's progress, and where a
/// cancel stops the write (the unfinished blob is dropped, nothing is named).
fn write_layer(
    store: &Store,
    source: LayerSource<'_>,
    opts: &CommitOptions,
    ctx: TaskCtx<'_>,
) -> Result<(LayerWritten, usize), ContainerError> {
    let write_opts = WriteOptions {
        compression: opts.compression,
        level: opts.level,
        clamp_mtime: opts.reproducible,
        xattrs: true,
    };
    let sink = Watch::new(store.blob_writer()?, ctx, "layer", UnitKind::Layer, None);
    let stopped = |e: layer::LayerError| {
        if ctx.is_cancelled() {
            ContainerError::Cancelled
        } else {
            e.into()
        }
    };
    let (written, sink, count) = match source {
        LayerSource::Upper { upper, changes } => {
            let (w, s) =
                layer::write_overlay_upper(upper, "trusted", sink, &write_opts).map_err(stopped)?;
            (w, s, changes)
        }
        LayerSource::Changes { root, changes } => {
            let (w, s) = layer::write_entries(root, changes, sink, &write_opts).map_err(stopped)?;
            (w, s, changes.len())
        }
    };
    if ctx.is_cancelled() {
        return Err(ContainerError::Cancelled);
    }
    sink.into_inner().commit(None)?;
    ctx.done("layer", UnitKind::Layer, written.size, UnitState::Done);
    Ok((written, count))
}

/// The base's config with the new diff_id and history entry, the run config after the
/// `-c` changes, the time and the author; every other field kept as it was.
fn new_config(
    base: &Base,
    run: &Config,
    written: &LayerWritten,
    opts: &CommitOptions,
    created: &str,
) -> Result<Value, ContainerError> {
    let mut config = base.config_json.clone();
    let obj = config
        .as_object_mut()
        .ok_or_else(|| corrupt(&base.config_digest, "the config is not a JSON object"))?;
    obj.insert(
        "config".into(),
        serde_json::to_value(run).map_err(|e| ImageError::json("the config", "config", e))?,
    );
    obj.insert("created".into(), json!(created));
    match &opts.author {
        Some(a) => obj.insert("author".into(), json!(a)),
        None => obj.remove("author"),
    };
    let rootfs = obj
        .entry("rootfs")
        .or_insert_with(|| json!({"type": "layers", "diff_ids": []}));
    let diff_ids = rootfs
        .as_object_mut()
        .and_then(|r| {
            r.entry("diff_ids")
                .or_insert_with(|| json!([]))
                .as_array_mut()
        })
        .ok_or_else(|| corrupt(&base.config_digest, "rootfs.diff_ids is not a list"))?;
    diff_ids.push(json!(written.diff_id.to_string()));
    let mut entry = serde_json::Map::new();
    entry.insert("created".into(), json!(created));
    entry.insert("created_by".into(), json!("strata commit"));
    if let Some(a) = &opts.author {
        entry.insert("author".into(), json!(a));
    }
    if let Some(m) = &opts.message {
        entry.insert("comment".into(), json!(m));
    }
    let history = obj.entry("history").or_insert_with(|| json!([]));
    match history.as_array_mut() {
        Some(h) => h.push(Value::Object(entry)),
        None => *history = json!([Value::Object(entry)]),
    }
    Ok(config)
}

/// The base's manifest with its layers as they are (by digest), ours on top, and the new
/// config; every other field kept, except the base's annotations (they describe the base).
fn new_manifest(
    base: &Base,
    written: &LayerWritten,
    opts: &CommitOptions,
    keep_docker: bool,
    (config_digest, config_size): (&Digest, u64),
) -> Result<Value, ContainerError> {
    let mut manifest = base.manifest_json.clone();
    let m = manifest
        .as_object_mut()
        .ok_or_else(|| corrupt(&base.manifest_digest, "the manifest is not a JSON object"))?;
    let layers = m
        .get_mut("layers")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| corrupt(&base.manifest_digest, "the manifest has no layer list"))?;
    if base.is_docker() && !keep_docker {
        // zstd has no Docker media type: the image becomes an OCI one, same blobs.
        for (json, layer) in layers.iter_mut().zip(base.manifest.layers()) {
            let oci = Compression::from_media_type(layer.media_type().as_ref())
                .map(Compression::oci_media_type);
            if let (Some(oci), Some(o)) = (oci, json.as_object_mut()) {
                o.insert("mediaType".into(), json!(oci));
            }
        }
    }
    let layer_media_type = match (keep_docker, opts.compression.docker_media_type()) {
        (true, Some(t)) => t,
        _ => written.media_type,
    };
    layers.push(json!({
        "mediaType": layer_media_type,
        "digest": written.digest.to_string(),
        "size": written.size,
    }));
    let (manifest_type, config_type) = if keep_docker {
        (media::DOCKER_MANIFEST, media::DOCKER_CONFIG)
    } else {
        (media::OCI_MANIFEST, media::OCI_CONFIG)
    };
    m.insert("mediaType".into(), json!(manifest_type));
    m.insert(
        "config".into(),
        json!({"mediaType": config_type, "digest": config_digest.to_string(), "size": config_size}),
    );
    m.remove("annotations");
    Ok(manifest)
}

fn json_of(bytes: &[u8], what: &'static str) -> Result<Value, ContainerError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ImageError::json(format!("the {what}"), what, e).into())
}

fn corrupt(d: &Digest, why: &str) -> ContainerError {
    ImageError::Corrupt(format!("{d}: {why}")).into()
}
