//! A `docker save` archive as the end of a transfer: what `docker load` and `skopeo …
//! docker-archive:` read. It holds one image: its config as `<config hex>.json`, each
//! layer uncompressed as `<diff_id hex>/layer.tar` (a compressed layer is decompressed on
//! its way in, once, into the tar, see `TarOut`), then `manifest.json` (and
//! `repositories`, for a tagged name) naming them.
//!
//! Every blob is re-hashed on its way in and every layer checked against its diff_id, so
//! that a damaged source cannot produce a damaged archive silently. The layers are named
//! by what the config says of them: the sink learns the manifest before anything moves
//! ([`Sink::expect`]) and the config comes first (the transfer moves one blob at a time).

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::endpoint::{Blob, Data, Manifest, Mount, Origin, Role, Sink};
use super::files::{digest_error, io_error, on_thread, QUEUED_PIECES};
use crate::digest::{Digest, DigestError, HashingReader};
use crate::image::model::MAX_DOCUMENT;
use crate::image::tarout::TarOut;
use crate::layer::compression::unpacked;
use crate::reference::Reference;
use crate::registry::manifest;
use crate::registry::RegistryError;
use crate::task::{Meter, UnitState};

/// The unpacked size of a compressed layer, by its digest: what a streamed archive needs
/// before the layer's header (see [`DockerArchiveSink::streaming`]).
pub type UnpackedSize = Arc<dyn Fn(&Digest) -> io::Result<u64> + Send + Sync>;

/// A docker archive being written.
pub struct DockerArchiveSink {
    out: Arc<Mutex<Option<TarOut>>>,
    /// For a stream: how to learn a compressed layer's unpacked size up front.
    unpacked: Option<UnpackedSize>,
    /// The name `manifest.json` gives the image, if any (only a tagged one is written).
    name: Option<Reference>,
    image: Arc<Mutex<Image>>,
    bytes: Arc<AtomicU64>,
}

/// What the sink knows of the image it writes.
#[derive(Default)]
struct Image {
    config: Option<Digest>,
    /// The manifest's layers, in order.
    layers: Vec<Digest>,
    /// The config's diff_ids, once the config is in.
    diff_ids: Option<Vec<Digest>>,
    written: HashSet<Digest>,
    manifest: Option<Digest>,
}

impl Image {
    fn diff_id(&self, layer: &Digest) -> Result<Digest, RegistryError> {
        let at = self.layers.iter().position(|l| l == layer);
        match (at, &self.diff_ids) {
            (Some(i), Some(ids)) => Ok(ids[i].clone()),
            _ => Err(unusable(format!("layer {layer} came before its config"))),
        }
    }
}

fn unusable(reason: String) -> RegistryError {
    RegistryError::Protocol {
        registry: "the store".into(),
        reason,
    }
}

impl DockerArchiveSink {
    /// An archive written into `file`, its image named `name` when that has a tag.
    pub fn new(file: File, name: Option<&Reference>) -> DockerArchiveSink {
        DockerArchiveSink {
            out: Arc::new(Mutex::new(Some(TarOut::new(file)))),
            unpacked: None,
            name: name.cloned(),
            image: Arc::default(),
            bytes: Arc::default(),
        }
    }

    /// An archive written into a stream that cannot seek (a pipe, a request body): a
    /// compressed layer's header needs its unpacked size before its bytes, which
    /// `unpacked` gives (the store's cache, or one decompression to count).
    pub fn streaming(
        out: Box<dyn Write + Send>,
        name: Option<&Reference>,
        unpacked: UnpackedSize,
    ) -> DockerArchiveSink {
        DockerArchiveSink {
            out: Arc::new(Mutex::new(Some(TarOut::streaming(out)))),
            unpacked: Some(unpacked),
            name: name.cloned(),
            image: Arc::default(),
            bytes: Arc::default(),
        }
    }

    /// Ends the archive; returns the manifest's digest and the bytes of blobs written
    /// (config and uncompressed layers).
    pub fn finish(self) -> Result<(Digest, u64), RegistryError> {
        let out = self.out.lock().unwrap().take();
        let out = out.expect("an archive is finished once");
        out.finish()
            .map_err(|e| io_error(Path::new("the archive"), e))?;
        let manifest = self.image.lock().unwrap().manifest.clone();
        let manifest = manifest.ok_or_else(|| unusable("the image has no manifest".into()))?;
        Ok((manifest, self.bytes.load(Ordering::Relaxed)))
    }

    /// `manifest.json` and, for a tagged name, `repositories`.
    fn documents(&self) -> Result<Vec<(&'static str, Vec<u8>)>, RegistryError> {
        let image = self.image.lock().unwrap();
        let config = image.config.as_ref().map(Digest::hex).unwrap_or_default();
        let ids = image.diff_ids.as_deref().unwrap_or_default();
        let layer_paths: Vec<String> = ids
            .iter()
            .map(|d| format!("{}/layer.tar", d.hex()))
            .collect();
        let tagged = self.name.as_ref().filter(|n| n.tag.is_some());
        let repo_tags: Vec<String> = tagged
            .map(|n| {
                vec![Reference {
                    digest: None,
                    ..n.clone()
                }
                .familiar()]
            })
            .unwrap_or_default();
        let manifest = serde_json::json!([{
            "Config": format!("{config}.json"),
            "RepoTags": repo_tags,
            "Layers": layer_paths,
        }]);
        let mut docs = vec![("manifest.json", manifest.to_string().into_bytes())];
        if let (Some(n), Some(tag), Some(last)) =
            (tagged, tagged.and_then(|n| n.tag.clone()), ids.last())
        {
            let mut repos = BTreeMap::new();
            repos.insert(
                n.familiar_name(),
                BTreeMap::from([(tag, last.hex().to_string())]),
            );
            docs.push((
                "repositories",
                serde_json::json!(repos).to_string().into_bytes(),
            ));
        }
        Ok(docs)
    }
}

impl Sink for DockerArchiveSink {
    type Upload = ();

    fn reads_files(&self) -> bool {
        true
    }

    fn expect(&self, manifests: &[Manifest]) -> Result<(), RegistryError> {
        let top = manifests
            .iter()
            .find(|m| matches!(m.role, Role::Top { .. }))
            .ok_or_else(|| unusable("the image has no manifest".into()))?;
        let what = format!("manifest {}", top.raw.digest);
        let parsed = manifest::parse_manifest(&top.raw.bytes, &what, "the store")?;
        let mut image = self.image.lock().unwrap();
        image.config = Some(manifest::digest_of(parsed.config(), "the store")?);
        image.layers = parsed
            .layers()
            .iter()
            .map(|l| manifest::digest_of(l, "the store"))
            .collect::<Result<_, _>>()?;
        Ok(())
    }

    async fn present(&self, _: &Blob) -> Result<bool, RegistryError> {
        Ok(false)
    }

    async fn mount(&self, _: &Blob, _: Option<Origin<'_>>) -> Result<Mount<()>, RegistryError> {
        Ok(Mount::Upload(None))
    }

    async fn write(
        &self,
        blob: &Blob,
        from: &str,
        data: Data<'_>,
        _: Option<()>,
        meter: &Meter<'_>,
    ) -> Result<(), RegistryError> {
        let (out, image, bytes) = (self.out.clone(), self.image.clone(), self.bytes.clone());
        let (blob, from) = (blob.clone(), from.to_string());
        let is_config = image.lock().unwrap().config.as_ref() == Some(&blob.digest);
        let size = blob.size;
        let unpacked = self.unpacked.clone();
        on_thread(data, QUEUED_PIECES, move |reader| {
            let mut guard = out.lock().unwrap();
            let out = guard
                .as_mut()
                .expect("an archive is written before it is finished");
            let n = if is_config {
                write_config(out, &image, &blob, &from, reader)?
            } else {
                let diff_id = image.lock().unwrap().diff_id(&blob.digest)?;
                let first = image.lock().unwrap().written.insert(diff_id.clone());
                // A stream needs a compressed layer's unpacked size before its bytes.
                let known = match &unpacked {
                    Some(f) if first && blob.digest != diff_id => {
                        Some(f(&blob.digest).map_err(|e| unusable(e.to_string()))?)
                    }
                    _ => None,
                };
                write_layer(out, &blob, &diff_id, first, known, &from, reader)?
            };
            bytes.fetch_add(n, Ordering::Relaxed);
            Ok(())
        })
        .await?;
        meter.state(UnitState::Verifying, size);
        Ok(())
    }

    async fn keep(&self, _: &[Manifest]) -> Result<(), RegistryError> {
        Ok(())
    }

    async fn put_manifest(&self, manifest: &Manifest) -> Result<Digest, RegistryError> {
        let raw = &manifest.raw;
        if !matches!(manifest.role, Role::Top { .. }) {
            // The index a platform's image was chosen from: a docker archive has no place.
            return Ok(raw.digest.clone());
        }
        let actual = Digest::of(&raw.bytes);
        if actual != raw.digest {
            let source = DigestError::Mismatch {
                expected: Box::new(raw.digest.clone()),
                actual: Box::new(actual),
            };
            return Err(digest_error("the store", &raw.digest, source));
        }
        let docs = self.documents()?;
        let out = self.out.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = out.lock().unwrap();
            let out = guard
                .as_mut()
                .expect("an archive is written before it is finished");
            for (path, data) in docs {
                out.bytes(path, &data)
                    .map_err(|e| io_error(Path::new("the archive"), e))?;
            }
            Ok::<_, RegistryError>(())
        })
        .await
        .map_err(|e| unusable(format!("a background task failed: {e}")))??;
        self.image.lock().unwrap().manifest = Some(raw.digest.clone());
        Ok(raw.digest.clone())
    }
}

/// Writes the config as `<hex>.json`, verified, and reads its diff_ids.
fn write_config(
    out: &mut TarOut,
    image: &Mutex<Image>,
    blob: &Blob,
    from: &str,
    reader: &mut dyn Read,
) -> Result<u64, RegistryError> {
    if blob.size > MAX_DOCUMENT {
        return Err(unusable(format!(
            "the config {} is {} bytes, over the {MAX_DOCUMENT}-byte limit",
            blob.digest, blob.size
        )));
    }
    let mut bytes = Vec::with_capacity(blob.size as usize);
    Read::take(&mut *reader, blob.size + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(Path::new(from), e))?;
    let mut check = HashingReader::new(&bytes[..]);
    io::copy(&mut check, &mut io::sink()).map_err(|e| io_error(Path::new(from), e))?;
    check
        .verify(&blob.digest, Some(blob.size))
        .map_err(|e| digest_error(from, &blob.digest, e))?;
    let what = format!("config {}", blob.digest);
    let config =
        crate::image::model::parse_config(&bytes, &what).map_err(|e| unusable(e.to_string()))?;
    let diff_ids = config
        .rootfs()
        .diff_ids()
        .iter()
        .map(|d| {
            d.parse::<Digest>()
                .map_err(|_| unusable(format!("the diff_id `{d}` is not a sha256 digest")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut image = image.lock().unwrap();
    if diff_ids.len() != image.layers.len() {
        return Err(unusable(format!(
            "image {} has {} layers but {} diff_ids",
            blob.digest,
            image.layers.len(),
            diff_ids.len()
        )));
    }
    image.diff_ids = Some(diff_ids);
    drop(image);
    out.bytes(&format!("{}.json", blob.digest.hex()), &bytes)
        .map_err(|e| io_error(Path::new("the archive"), e))?;
    Ok(blob.size)
}

/// Writes a layer, decompressed, as `<diff_id hex>/layer.tar` (unless `first` is false:
/// a layer of the same diff_id is there already), checking its digest and its diff_id. A
/// plain layer is its diff_id's tar: copied as it is, hashed once. `unpacked`: a
/// compressed layer's unpacked size, when known (a stream must know it).
fn write_layer(
    out: &mut TarOut,
    blob: &Blob,
    diff_id: &Digest,
    first: bool,
    unpacked_size: Option<u64>,
    from: &str,
    reader: &mut dyn Read,
) -> Result<u64, RegistryError> {
    let archive = Path::new("the archive");
    let path = format!("{}/layer.tar", diff_id.hex());
    let mut packed = HashingReader::new(reader);
    let mut n = 0;
    if first {
        out.dir(&format!("{}/", diff_id.hex()))
            .map_err(|e| io_error(archive, e))?;
        if &blob.digest == diff_id {
            n = out
                .stream(&path, Some(blob.size), &mut packed)
                .map_err(|e| io_error(archive, e))?;
        } else {
            let (_, plain) = unpacked(&mut packed).map_err(|e| io_error(Path::new(from), e))?;
            let mut unpacking = HashingReader::new(plain);
            n = out
                .stream(&path, unpacked_size, &mut unpacking)
                .map_err(|e| io_error(archive, e))?;
            let (actual, _) = unpacking.finish();
            if &actual != diff_id {
                return Err(RegistryError::Digest {
                    registry: from.to_string(),
                    what: format!("layer {} (unpacked: its diff_id)", blob.digest),
                    source: DigestError::Mismatch {
                        expected: Box::new(diff_id.clone()),
                        actual: Box::new(actual),
                    },
                });
            }
        }
    }
    io::copy(&mut packed, &mut io::sink()).map_err(|e| io_error(Path::new(from), e))?;
    packed
        .verify(&blob.digest, Some(blob.size))
        .map_err(|e| digest_error(from, &blob.digest, e))?;
    Ok(n)
}
