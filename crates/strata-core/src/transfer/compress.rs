//! What a push sends of each layer: compressed, as `docker push` and `skopeo copy` send it.
//! A layer stored as a plain tar (an imported `docker save` archive keeps its layers so) is
//! gzipped by default; `--compression zstd|gzip` converts every layer that is compressed
//! otherwise; `none` sends the layers as they are stored. The local image is never
//! changed: the compressed layer is a blob of its own, noted in the store's
//! [`Variants`] so that the next push of the same layer, anywhere, reuses it, and the
//! manifests that name it are new blobs that only the push names.
//!
//! Compression runs on every core ([`Encoder`]) off the async threads, one layer after
//! another, each reported as a unit with its bytes; cancelling stops it between pieces.

use std::collections::HashMap;
use std::io::{self, Read, Write};

use bytes::Bytes;
use oci_spec::image::Descriptor;
use serde::Serialize;
use serde_json::Value;

use super::endpoint::{Blob, Data, Origin, Source};
use super::StoreSource;
use crate::digest::Digest;
use crate::layer::encode::{effective_level, Encoder, NEARBY_GZIP_LEVEL};
use crate::layer::{decompress, Compression, Limits};
use crate::media;
use crate::registry::client::MANIFEST_MAX;
use crate::registry::{manifest, RawManifest, RegistryError};
use crate::store::variants::Variants;
use crate::store::{Store, StoreError};
use crate::task::{is_cancelled, TaskCtx, Unit, UnitKind, UnitState, Watch};

/// How a push compresses layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LayerCompression {
    /// `None`: gzip the layers stored uncompressed and send the others as they are (what
    /// docker and skopeo do). `Some(Compression::None)`: send every layer as stored.
    /// `Some(c)`: every layer compressed with `c`, converting the others.
    pub to: Option<Compression>,
    /// gzip 0–9, zstd 1–22; `None`: zstd 3, and gzip 6, or
    /// [`NEARBY_GZIP_LEVEL`] when the registry is `nearby`.
    pub level: Option<i32>,
    /// The registry is on this machine or a private network
    /// ([`Client::is_nearby`](crate::registry::Client::is_nearby)), set by the push: there
    /// the CPU that compresses is the limit and not the link, so gzip is fast rather than
    /// small unless a level is asked for.
    pub nearby: bool,
}

impl LayerCompression {
    /// The level a layer compressed as `to` is compressed at.
    pub fn level_for(self, to: Compression) -> i32 {
        if self.nearby_level(to) {
            NEARBY_GZIP_LEVEL as i32
        } else {
            effective_level(to, self.level)
        }
    }

    /// Whether `to` is compressed at the level for a registry nearby: gzip, no level asked.
    fn nearby_level(self, to: Compression) -> bool {
        self.nearby && self.level.is_none() && to == Compression::Gzip
    }

    /// What a layer stored as `stored` is sent as.
    fn target(self, stored: Compression) -> Compression {
        match self.to {
            None if stored == Compression::None => Compression::Gzip,
            None | Some(Compression::None) => stored,
            Some(c) => c,
        }
    }
}

/// The layers a push compressed itself (not those it found compressed in the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LayersCompressed {
    pub layers: usize,
    pub compression: Compression,
    pub level: i32,
    /// The level was chosen for a registry nearby ([`LayerCompression::nearby`]).
    pub nearby: bool,
}

/// How a layer media type is compressed; `None` for what is not a distributable layer tar
/// (foreign and non-distributable layers, artifacts), which is always sent as it is.
fn stored_compression(media_type: &str) -> Option<Compression> {
    let foreign =
        media_type == media::DOCKER_LAYER_FOREIGN || media_type.contains(".nondistributable.");
    Compression::from_media_type(media_type).filter(|_| !foreign)
}

/// The media type of a layer compressed as `c` in a manifest of either format. Docker's
/// schema 2 has no zstd layer: such a manifest becomes an OCI one.
fn layer_media_type(docker: bool, c: Compression) -> &'static str {
    docker
        .then(|| c.docker_media_type())
        .flatten()
        .unwrap_or_else(|| c.oci_media_type())
}

/// The image a push sends: its top manifest and the manifests rewritten to name
/// compressed layers, served over a [`StoreSource`] for everything else.
pub struct Compressed<'a> {
    inner: &'a StoreSource,
    top: RawManifest,
    rewritten: HashMap<Digest, RawManifest>,
    /// What was compressed now; `None` when nothing was.
    pub made: Option<LayersCompressed>,
}

impl Source for Compressed<'_> {
    fn describe(&self) -> &str {
        self.inner.describe()
    }

    async fn top(&self) -> Result<RawManifest, RegistryError> {
        Ok(self.top.clone())
    }

    async fn manifest(&self, entry: &Descriptor) -> Result<RawManifest, RegistryError> {
        let digest = manifest::digest_of(entry, "the store")?;
        match self.rewritten.get(&digest) {
            Some(m) => Ok(m.clone()),
            None => self.inner.manifest(entry).await,
        }
    }

    async fn check(&self, blobs: &[Blob]) -> Result<(), RegistryError> {
        self.inner.check(blobs).await
    }

    async fn blob<'b>(&'b self, blob: &'b Blob) -> Result<Data<'b>, RegistryError> {
        self.inner.blob(blob).await
    }

    fn origin(&self) -> Option<Origin<'_>> {
        self.inner.origin()
    }
}

/// Makes what `source` serves compressed as `how` asks: compresses the layers that need
/// it (or finds them in the store's [`Variants`]) and rewrites the manifests that name
/// them. A source with nothing to change is served as it is. Each compressed layer is
/// sent on `ready` as soon as it is in the store, so that a push can upload it while the
/// next one is compressed.
pub async fn compressed<'a>(
    store: &Store,
    source: &'a StoreSource,
    how: LayerCompression,
    ready: Option<tokio::sync::mpsc::UnboundedSender<Blob>>,
    ctx: TaskCtx<'_>,
) -> Result<Compressed<'a>, RegistryError> {
    let top = source.top().await?;
    let (store, cancel) = (store.clone(), ctx.cancel.clone());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Unit>();
    // The work runs on a blocking thread with its own context, whose reports are
    // forwarded here to the caller's.
    let work = tokio::task::spawn_blocking(move || {
        let forward = move |u: Unit| {
            let _ = tx.send(u);
        };
        let ctx = TaskCtx::new(&forward, &cancel);
        let mut rewriter = Rewriter {
            store: &store,
            how,
            ctx,
            variants: Variants::load(store.root()),
            rewritten: HashMap::new(),
            ready,
            made: None,
        };
        let top = rewriter.manifest(top, 0)?;
        Ok::<_, RegistryError>((top, rewriter.rewritten, rewriter.made))
    });
    while let Some(unit) = rx.recv().await {
        ctx.progress.update(unit);
    }
    let (top, rewritten, made) = work.await.map_err(|e| RegistryError::Protocol {
        registry: "the store".into(),
        reason: format!("a background task failed: {e}"),
    })??;
    Ok(Compressed {
        inner: source,
        top,
        rewritten,
        made,
    })
}

/// Index nesting followed at most (as the manifest walk allows).
const MAX_DEPTH: usize = 4;

struct Rewriter<'s, 'c> {
    store: &'s Store,
    how: LayerCompression,
    ctx: TaskCtx<'c>,
    variants: Variants,
    /// Rewritten manifests by their new digest.
    rewritten: HashMap<Digest, RawManifest>,
    /// Where each compressed layer is announced once it is in the store.
    ready: Option<tokio::sync::mpsc::UnboundedSender<Blob>>,
    made: Option<LayersCompressed>,
}

impl Rewriter<'_, '_> {
    /// `raw` as it is sent: itself when nothing in it changes, else a rewritten copy.
    fn manifest(&mut self, raw: RawManifest, depth: usize) -> Result<RawManifest, RegistryError> {
        let mut doc: Value = match serde_json::from_slice(&raw.bytes) {
            Ok(v) => v,
            // The walk reports a bad manifest with its own error.
            Err(_) => return Ok(raw),
        };
        let changed = if doc.get("manifests").is_some() {
            self.index(&mut doc, depth)?
        } else {
            self.image(&mut doc, &raw.media_type)?
        };
        if !changed {
            return Ok(raw);
        }
        let bytes = serde_json::to_vec(&doc)
            .map_err(|e| StoreError::io("write", self.store.root(), io::Error::other(e)))?;
        let media_type = doc
            .get("mediaType")
            .and_then(Value::as_str)
            .map_or(raw.media_type.clone(), str::to_string);
        let (digest, _) = self.store.put_bytes(&bytes)?;
        let out = RawManifest {
            bytes: Bytes::from(bytes),
            media_type,
            digest: digest.clone(),
        };
        self.rewritten.insert(digest, out.clone());
        Ok(out)
    }

    /// Rewrites the entries of an index whose manifests change.
    fn index(&mut self, doc: &mut Value, depth: usize) -> Result<bool, RegistryError> {
        if depth >= MAX_DEPTH {
            return Ok(false);
        }
        let Some(entries) = doc.get_mut("manifests").and_then(Value::as_array_mut) else {
            return Ok(false);
        };
        let mut changed = false;
        for entry in entries {
            let Some(digest) = entry
                .get("digest")
                .and_then(Value::as_str)
                .and_then(|d| d.parse::<Digest>().ok())
            else {
                continue;
            };
            let media_type = entry
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            // Only the images the store has: an index may list platforms never pulled.
            if !self.store.has_blob(&digest) {
                continue;
            }
            let bytes = self.store.read_blob(&digest, MANIFEST_MAX as u64)?;
            let raw = RawManifest {
                media_type: manifest::media_type_of(Some(&media_type), &bytes),
                bytes: Bytes::from(bytes),
                digest: digest.clone(),
            };
            let sent = self.manifest(raw, depth + 1)?;
            if sent.digest != digest {
                entry["digest"] = Value::from(sent.digest.to_string());
                entry["size"] = Value::from(sent.bytes.len() as u64);
                entry["mediaType"] = Value::from(sent.media_type);
                changed = true;
            }
        }
        Ok(changed)
    }

    /// Points an image manifest's layers at their compressed variants.
    fn image(&mut self, doc: &mut Value, media_type: &str) -> Result<bool, RegistryError> {
        let docker = media_type == media::DOCKER_MANIFEST;
        let Some(layers) = doc.get_mut("layers").and_then(Value::as_array_mut) else {
            return Ok(false);
        };
        let mut changed = false;
        let mut to_oci = false;
        for layer in layers.iter_mut() {
            let stored_type = layer
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let Some(stored) = stored_compression(&stored_type) else {
                continue;
            };
            let target = self.how.target(stored);
            if target == stored {
                continue;
            }
            let Some(digest) = layer
                .get("digest")
                .and_then(Value::as_str)
                .and_then(|d| d.parse::<Digest>().ok())
            else {
                continue;
            };
            let size = layer.get("size").and_then(Value::as_u64);
            let (variant, variant_size) = self.layer(&digest, size, target)?;
            if let Some(ready) = &self.ready {
                // A closed channel: nobody uploads early; the transfer sends it later.
                let _ = ready.send(Blob {
                    digest: variant.clone(),
                    size: variant_size,
                    kind: UnitKind::Layer,
                });
            }
            layer["digest"] = Value::from(variant.to_string());
            layer["size"] = Value::from(variant_size);
            layer["mediaType"] = Value::from(layer_media_type(docker, target));
            to_oci |= docker && target == Compression::Zstd;
            changed = true;
        }
        if to_oci {
            self.docker_to_oci(doc);
        }
        Ok(changed)
    }

    /// A docker schema 2 manifest as an OCI one (for zstd layers, which docker's format
    /// cannot name): the same fields, OCI media types.
    fn docker_to_oci(&self, doc: &mut Value) {
        doc["mediaType"] = Value::from(media::OCI_MANIFEST);
        if let Some(config) = doc.get_mut("config") {
            config["mediaType"] = Value::from(media::OCI_CONFIG);
        }
        for layer in doc
            .get_mut("layers")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let stored = layer
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if let Some(c) = stored_compression(stored) {
                layer["mediaType"] = Value::from(c.oci_media_type());
            }
        }
    }

    /// The variant of `layer` compressed as `to`: found in the store, or made now.
    fn layer(
        &mut self,
        layer: &Digest,
        size: Option<u64>,
        to: Compression,
    ) -> Result<(Digest, u64), RegistryError> {
        let level = self.how.level_for(to);
        if let Some(v) = self.variants.get(layer, to, level) {
            if let Ok(size) = self.store.blob_size(v) {
                return Ok((v.clone(), size));
            }
        }
        if self.ctx.is_cancelled() {
            return Err(RegistryError::Cancelled);
        }
        let path = self.store.blob_path(layer);
        let fail = |e: io::Error| -> RegistryError {
            if is_cancelled(&e) {
                RegistryError::Cancelled
            } else {
                StoreError::io("compress", &path, e).into()
            }
        };
        let file = self.store.open_blob(layer)?;
        let id = layer.to_string();
        let watched = Watch::new(file, self.ctx, id.clone(), UnitKind::Compress, size);
        let mut plain =
            decompress(watched, &Limits::default()).map_err(|e| fail(io::Error::other(e)))?;
        let mut out = Encoder::new(self.store.blob_writer()?, to, Some(level)).map_err(fail)?;
        let mut piece = vec![0u8; 1 << 20];
        let mut total = 0u64;
        loop {
            let n = match plain.read(&mut piece) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(fail(e)),
            };
            out.write_all(&piece[..n]).map_err(fail)?;
            total += n as u64;
        }
        let blob = out.finish().map_err(fail)?;
        let (variant, variant_size) = blob.commit(None)?;
        let read = size.unwrap_or(total);
        self.ctx
            .done(&id, UnitKind::Compress, read, UnitState::Done);
        Variants::record(self.store.root(), layer, to, &variant, level);
        let made = self.made.get_or_insert(LayersCompressed {
            layers: 0,
            compression: to,
            level,
            nearby: self.how.nearby_level(to),
        });
        made.layers += 1;
        self.variants
            .insert(layer.clone(), to, variant.clone(), level);
        Ok((variant, variant_size))
    }
}

#[cfg(test)]
mod tests {
    use oci_spec::image::MediaType;
    use serde_json::json;

    use super::*;
    use crate::reference::Reference;

    /// A docker schema 2 image with one plain-tar layer, named `app:1`.
    fn docker_image(store: &Store) -> (Digest, Vec<u8>) {
        docker_image_of(store, b"hello")
    }

    /// The same, its layer holding one file of `content`.
    fn docker_image_of(store: &Store, content: &[u8]) -> (Digest, Vec<u8>) {
        let mut tar = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        tar.append_data(&mut h, "hello.txt", content).unwrap();
        let tar = tar.into_inner().unwrap();
        let (layer, layer_size) = store.put_bytes(&tar).unwrap();
        let config = json!({"architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [layer.to_string()]}});
        let (config, config_size) = store.put_bytes(config.to_string().as_bytes()).unwrap();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": media::DOCKER_MANIFEST,
            "config": {"mediaType": media::DOCKER_CONFIG, "digest": config.to_string(), "size": config_size},
            "layers": [{"mediaType": media::DOCKER_LAYER, "digest": layer.to_string(), "size": layer_size}],
        })
        .to_string();
        let (digest, size) = store.put_bytes(manifest.as_bytes()).unwrap();
        let descriptor = Descriptor::new(
            MediaType::from(media::DOCKER_MANIFEST),
            size,
            oci_spec::image::Digest::from(&digest),
        );
        store
            .set_ref(&Reference::parse("app:1").unwrap(), descriptor)
            .unwrap();
        (layer, tar)
    }

    async fn sent(store: &Store, to: Option<Compression>) -> (Value, Vec<u8>) {
        sent_at(store, to, None).await
    }

    async fn sent_at(
        store: &Store,
        to: Option<Compression>,
        level: Option<i32>,
    ) -> (Value, Vec<u8>) {
        let source = StoreSource::new(store, "app:1");
        let how = LayerCompression {
            to,
            level,
            nearby: false,
        };
        let c = compressed(store, &source, how, None, TaskCtx::none())
            .await
            .unwrap();
        let top: Value = serde_json::from_slice(&c.top().await.unwrap().bytes).unwrap();
        let layer: Digest = top["layers"][0]["digest"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let bytes = store.read_blob(&layer, 64 << 20).unwrap();
        (top, bytes)
    }

    /// Every member of a gzip blob, decompressed.
    fn gunzip(gz: &[u8]) -> Vec<u8> {
        let mut plain = Vec::new();
        flate2::read::MultiGzDecoder::new(gz)
            .read_to_end(&mut plain)
            .unwrap();
        plain
    }

    #[test]
    fn no_level_asked_gzips_fast_for_a_registry_nearby_and_an_asked_level_always_wins() {
        let how = |to, level, nearby| LayerCompression { to, level, nearby };
        let gzip = Some(Compression::Gzip);
        // Auto mode gzips what is stored plain: the level follows where the registry is.
        assert_eq!(how(None, None, true).level_for(Compression::Gzip), 2);
        assert_eq!(how(None, None, false).level_for(Compression::Gzip), 6);
        assert_eq!(how(gzip, None, true).level_for(Compression::Gzip), 2);
        assert_eq!(how(gzip, Some(6), true).level_for(Compression::Gzip), 6);
        assert_eq!(how(gzip, Some(1), false).level_for(Compression::Gzip), 1);
        // zstd's default is fast already; nearness does not change it.
        let zstd = Some(Compression::Zstd);
        assert_eq!(how(zstd, None, true).level_for(Compression::Zstd), 3);
        assert_eq!(how(zstd, Some(19), true).level_for(Compression::Zstd), 19);
    }

    #[tokio::test]
    async fn zstd_turns_a_docker_manifest_into_an_oci_one_with_the_same_content() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (_, tar) = docker_image(&store);
        let (top, blob) = sent(&store, Some(Compression::Zstd)).await;
        assert_eq!(top["mediaType"], media::OCI_MANIFEST);
        assert_eq!(top["config"]["mediaType"], media::OCI_CONFIG);
        assert_eq!(top["layers"][0]["mediaType"], media::OCI_LAYER_ZSTD);
        assert_eq!(zstd::decode_all(&blob[..]).unwrap(), tar);
    }

    #[tokio::test]
    async fn gzip_keeps_a_docker_manifest_docker() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (layer, tar) = docker_image(&store);
        let (top, blob) = sent(&store, None).await;
        assert_eq!(top["mediaType"], media::DOCKER_MANIFEST);
        assert_eq!(top["layers"][0]["mediaType"], media::DOCKER_LAYER_GZIP);
        assert_eq!(gunzip(&blob), tar);
        // The variant is noted, and the stored image still names the plain layer.
        let v = Variants::load(store.root());
        assert!(v.get(&layer, Compression::Gzip, 6).is_some());
        let (again, _) = sent(&store, Some(Compression::None)).await;
        assert_eq!(again["layers"][0]["digest"], layer.to_string());
    }

    /// A fast push to a registry nearby must not make a later default push send the larger
    /// blob it kept; a push asking less than what is kept takes the kept one.
    #[tokio::test]
    async fn a_push_asking_a_higher_level_than_the_kept_variant_compresses_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let text: Vec<u8> = (0..400_000u32)
            .flat_map(|i| format!("line {} of {}\n", i % 977, i % 13).into_bytes())
            .collect();
        let (layer, tar) = docker_image_of(&store, &text);
        let gzip = Some(Compression::Gzip);
        let digest = |top: &Value| top["layers"][0]["digest"].as_str().unwrap().to_string();
        let (fast, fast_blob) = sent_at(&store, gzip, Some(2)).await;
        let (fastest, _) = sent_at(&store, gzip, Some(1)).await;
        assert_eq!(
            digest(&fastest),
            digest(&fast),
            "level 1 takes the level-2 variant"
        );
        let (six, six_blob) = sent_at(&store, gzip, None).await;
        assert_ne!(
            digest(&six),
            digest(&fast),
            "the default (6) compressed again"
        );
        assert!(six_blob.len() < fast_blob.len());
        let (two, _) = sent_at(&store, gzip, Some(2)).await;
        assert_eq!(
            digest(&two),
            digest(&six),
            "level 2 takes the level-6 variant"
        );
        assert_eq!(gunzip(&six_blob), tar);
        let v = Variants::load(store.root());
        assert_eq!(
            v.get(&layer, Compression::Gzip, 9),
            None,
            "9 would compress again"
        );
        assert_eq!(
            v.get(&layer, Compression::Gzip, 6).map(ToString::to_string),
            Some(digest(&six))
        );
    }
}
