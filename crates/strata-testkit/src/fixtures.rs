//! Images built in memory for tests: tar layers (with whiteouts,
//! <https://github.com/opencontainers/image-spec/blob/main/layer.md>), image configs
//! (`config.md`), manifests (`manifest.md`), indexes (`image-index.md`) and OCI layout
//! directories (`image-layout.md`) that skopeo, umoci and strata can read.
//!
//! Everything is deterministic: the same entries give the same digests, so tests can
//! compare digests across tools.
//!
//! ```
//! use strata_testkit::fixtures::{Entry, Image, Layer};
//!
//! let base = Layer::build(&[Entry::dir("etc"), Entry::file("etc/motd", "hello\n")])?;
//! let top = Layer::build(&[Entry::whiteout("etc/motd"), Entry::symlink("bin/sh", "/bin/busybox")])?;
//! let image = Image::builder().layer(base).layer(top).cmd(&["/bin/sh"]).build();
//! assert!(image.manifest_digest.starts_with("sha256:"));
//! # Ok::<(), strata_testkit::fixtures::FixtureError>(())
//! ```

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::json;
use sha2::{Digest as _, Sha256};

/// Every entry's modification time: a fixed instant, so layers are reproducible.
pub const MTIME: u64 = 1_700_000_000;
/// The `created` time of configs, matching [`MTIME`].
pub const CREATED: &str = "2023-11-14T22:13:20Z";

/// OCI media types.
pub mod media {
    pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
    pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
    pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
    pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
    pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
    pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
    pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
}

/// Why a fixture could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("could not build the tar entry {path}: {source}")]
    Tar {
        path: String,
        source: std::io::Error,
    },
    #[error("could not write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One tar entry. Paths are relative (`etc/motd`), as in real layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    File {
        path: String,
        content: Vec<u8>,
        mode: u32,
    },
    Dir {
        path: String,
        mode: u32,
    },
    Symlink {
        path: String,
        target: String,
    },
    /// A hard link to an earlier entry of the same layer.
    Hardlink {
        path: String,
        target: String,
    },
    /// Deletes `path` from lower layers: written as `dir/.wh.name`.
    Whiteout {
        path: String,
    },
    /// Hides everything lower layers have under `dir`: written as `dir/.wh..wh..opq`.
    OpaqueWhiteout {
        dir: String,
    },
}

impl Entry {
    /// A regular file, mode 0644.
    pub fn file(path: &str, content: impl AsRef<[u8]>) -> Self {
        Entry::File {
            path: path.into(),
            content: content.as_ref().to_vec(),
            mode: 0o644,
        }
    }

    /// An executable file, mode 0755.
    pub fn executable(path: &str, content: impl AsRef<[u8]>) -> Self {
        Entry::File {
            path: path.into(),
            content: content.as_ref().to_vec(),
            mode: 0o755,
        }
    }

    /// A directory, mode 0755.
    pub fn dir(path: &str) -> Self {
        Entry::Dir {
            path: path.into(),
            mode: 0o755,
        }
    }

    /// A symbolic link `path -> target`.
    pub fn symlink(path: &str, target: &str) -> Self {
        Entry::Symlink {
            path: path.into(),
            target: target.into(),
        }
    }

    /// A hard link `path` to the earlier entry `target`.
    pub fn hardlink(path: &str, target: &str) -> Self {
        Entry::Hardlink {
            path: path.into(),
            target: target.into(),
        }
    }

    /// Deletes `path` inherited from lower layers.
    pub fn whiteout(path: &str) -> Self {
        Entry::Whiteout { path: path.into() }
    }

    /// Makes `dir` opaque: lower layers' contents under it disappear.
    pub fn opaque(dir: &str) -> Self {
        Entry::OpaqueWhiteout { dir: dir.into() }
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A layer: its tar, the gzip of it, and both digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The uncompressed tar.
    pub tar: Vec<u8>,
    /// The gzip-compressed tar: the blob a registry stores.
    pub gzip: Vec<u8>,
    /// Digest of `tar`: the config's `rootfs.diff_ids` entry.
    pub diff_id: String,
    /// Digest of `gzip`: the manifest's layer digest.
    pub digest: String,
}

impl Layer {
    /// Builds the tar in entry order (parents are not added implicitly) and gzips it.
    pub fn build(entries: &[Entry]) -> Result<Self, FixtureError> {
        let mut builder = tar::Builder::new(Vec::new());
        for entry in entries {
            append(&mut builder, entry).map_err(|source| FixtureError::Tar {
                path: entry_path(entry),
                source,
            })?;
        }
        let tar = builder.into_inner().map_err(|source| FixtureError::Tar {
            path: String::new(),
            source,
        })?;
        Ok(Self::from_tar(tar))
    }

    /// Wraps an existing tar (e.g. a large random one built by a benchmark).
    pub fn from_tar(tar: Vec<u8>) -> Self {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        // Writing into a Vec cannot fail.
        let gzip = encoder
            .write_all(&tar)
            .and_then(|_| encoder.finish())
            .unwrap_or_default();
        Self {
            diff_id: digest_of(&tar),
            digest: digest_of(&gzip),
            tar,
            gzip,
        }
    }

    /// A layer of one file of `size` pseudo-random (incompressible) bytes, different for
    /// each `seed`: for transfer tests where size matters.
    pub fn random(path: &str, size: usize, seed: u64) -> Result<Self, FixtureError> {
        use rand::{RngCore, SeedableRng};
        let mut content = vec![0u8; size];
        rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut content);
        Self::build(&[Entry::File {
            path: path.into(),
            content,
            mode: 0o644,
        }])
    }

    /// Size of the compressed blob.
    pub fn size(&self) -> u64 {
        self.gzip.len() as u64
    }
}

fn entry_path(entry: &Entry) -> String {
    match entry {
        Entry::File { path, .. }
        | Entry::Dir { path, .. }
        | Entry::Symlink { path, .. }
        | Entry::Hardlink { path, .. }
        | Entry::Whiteout { path } => path.clone(),
        Entry::OpaqueWhiteout { dir } => dir.clone(),
    }
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(MTIME);
    h.set_uid(0);
    h.set_gid(0);
    h
}

/// `a/b/c` → `a/b/.wh.c`.
fn whiteout_path(path: &str) -> String {
    let path = path.trim_end_matches('/');
    match path.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/.wh.{name}"),
        None => format!(".wh.{path}"),
    }
}

fn append(builder: &mut tar::Builder<Vec<u8>>, entry: &Entry) -> std::io::Result<()> {
    match entry {
        Entry::File {
            path,
            content,
            mode,
        } => {
            let mut h = header(tar::EntryType::Regular, *mode, content.len() as u64);
            builder.append_data(&mut h, path, content.as_slice())
        }
        Entry::Dir { path, mode } => {
            let mut h = header(tar::EntryType::Directory, *mode, 0);
            builder.append_data(&mut h, path, std::io::empty())
        }
        Entry::Symlink { path, target } => {
            let mut h = header(tar::EntryType::Symlink, 0o777, 0);
            builder.append_link(&mut h, path, target)
        }
        Entry::Hardlink { path, target } => {
            let mut h = header(tar::EntryType::Link, 0o644, 0);
            builder.append_link(&mut h, path, target)
        }
        Entry::Whiteout { path } => {
            let mut h = header(tar::EntryType::Regular, 0o644, 0);
            builder.append_data(&mut h, whiteout_path(path), std::io::empty())
        }
        Entry::OpaqueWhiteout { dir } => {
            let mut h = header(tar::EntryType::Regular, 0o644, 0);
            let path = format!("{}/.wh..wh..opq", dir.trim_end_matches('/'));
            builder.append_data(&mut h, path, std::io::empty())
        }
    }
}

/// Which family of media types a manifest uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// OCI image manifest and config.
    #[default]
    Oci,
    /// Docker image manifest v2 schema 2.
    Docker,
}

/// A platform, as in an index entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// `linux/amd64`, `linux/arm64/v8`, …
    pub fn parse(s: &str) -> Self {
        let mut parts = s.split('/');
        Self {
            os: parts.next().unwrap_or("linux").to_string(),
            architecture: parts.next().unwrap_or("amd64").to_string(),
            variant: parts.next().map(str::to_string),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        let mut v = json!({"os": self.os, "architecture": self.architecture});
        if let Some(variant) = &self.variant {
            v["variant"] = json!(variant);
        }
        v
    }
}

/// Builder of an [`Image`].
#[derive(Debug, Clone)]
pub struct ImageBuilder {
    layers: Vec<Layer>,
    platform: Platform,
    format: Format,
    env: Vec<String>,
    cmd: Vec<String>,
    labels: Vec<(String, String)>,
}

impl ImageBuilder {
    /// Appends a layer (the first is the bottom).
    pub fn layer(mut self, layer: Layer) -> Self {
        self.layers.push(layer);
        self
    }

    /// `linux/amd64` by default.
    pub fn platform(mut self, platform: &str) -> Self {
        self.platform = Platform::parse(platform);
        self
    }

    /// OCI by default.
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Adds `KEY=VALUE` to the config's `Env`.
    pub fn env(mut self, kv: &str) -> Self {
        self.env.push(kv.to_string());
        self
    }

    /// Sets the config's `Cmd`.
    pub fn cmd(mut self, cmd: &[&str]) -> Self {
        self.cmd = cmd.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Adds a config label (also a cheap way to make two images differ).
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.push((key.to_string(), value.to_string()));
        self
    }

    /// Serialises the config and the manifest.
    pub fn build(self) -> Image {
        let (manifest_type, config_type, layer_type) = match self.format {
            Format::Oci => (
                media::OCI_MANIFEST,
                media::OCI_CONFIG,
                media::OCI_LAYER_GZIP,
            ),
            Format::Docker => (
                media::DOCKER_MANIFEST,
                media::DOCKER_CONFIG,
                media::DOCKER_LAYER_GZIP,
            ),
        };
        let labels: serde_json::Map<String, serde_json::Value> = self
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let mut config = json!({
            "created": CREATED,
            "architecture": self.platform.architecture,
            "os": self.platform.os,
            "config": {"Env": self.env, "Cmd": self.cmd, "Labels": labels},
            "rootfs": {
                "type": "layers",
                "diff_ids": self.layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>(),
            },
            "history": self.layers.iter().enumerate().map(|(i, _)| json!({
                "created": CREATED,
                "created_by": format!("strata-testkit layer {i}"),
            })).collect::<Vec<_>>(),
        });
        if let Some(variant) = &self.platform.variant {
            config["variant"] = json!(variant);
        }
        let config = config.to_string().into_bytes();
        let config_digest = digest_of(&config);
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": {"mediaType": config_type, "digest": config_digest, "size": config.len()},
            "layers": self.layers.iter().map(|l| json!({
                "mediaType": layer_type, "digest": l.digest, "size": l.size(),
            })).collect::<Vec<_>>(),
        })
        .to_string()
        .into_bytes();
        Image {
            manifest_digest: digest_of(&manifest),
            manifest_media_type: manifest_type,
            manifest,
            config_digest,
            config,
            layers: self.layers,
            platform: self.platform,
        }
    }
}

/// An image: config and manifest bytes exactly as a registry stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub layers: Vec<Layer>,
    pub config: Vec<u8>,
    pub config_digest: String,
    pub manifest: Vec<u8>,
    pub manifest_digest: String,
    pub manifest_media_type: &'static str,
    pub platform: Platform,
}

impl Image {
    /// An OCI image for `linux/amd64` with no layers yet.
    pub fn builder() -> ImageBuilder {
        ImageBuilder {
            layers: Vec::new(),
            platform: Platform::parse("linux/amd64"),
            format: Format::Oci,
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
            cmd: Vec::new(),
            labels: Vec::new(),
        }
    }

    /// Every blob other than the manifest: `(digest, bytes)`, config first.
    pub fn blobs(&self) -> Vec<(&str, &[u8])> {
        let mut out = vec![(self.config_digest.as_str(), self.config.as_slice())];
        out.extend(
            self.layers
                .iter()
                .map(|l| (l.digest.as_str(), l.gzip.as_slice())),
        );
        out
    }
}

/// A multi-platform index over images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub images: Vec<Image>,
    pub bytes: Vec<u8>,
    pub digest: String,
    pub media_type: &'static str,
}

impl Index {
    /// An index listing each image with its platform; a Docker manifest list when the
    /// first image uses Docker media types.
    pub fn build(images: Vec<Image>) -> Self {
        let media_type = match images.first().map(|i| i.manifest_media_type) {
            Some(media::DOCKER_MANIFEST) => media::DOCKER_LIST,
            _ => media::OCI_INDEX,
        };
        let bytes = json!({
            "schemaVersion": 2,
            "mediaType": media_type,
            "manifests": images.iter().map(|i| json!({
                "mediaType": i.manifest_media_type,
                "digest": i.manifest_digest,
                "size": i.manifest.len(),
                "platform": i.platform.to_json(),
            })).collect::<Vec<_>>(),
        })
        .to_string()
        .into_bytes();
        Self {
            digest: digest_of(&bytes),
            images,
            bytes,
            media_type,
        }
    }
}

/// An OCI image layout directory being written: `oci-layout`, `index.json`,
/// `blobs/sha256/…`. Refer to an entry as `oci:DIR:TAG` (skopeo) or `DIR:TAG` (umoci).
#[derive(Debug)]
pub struct OciLayout {
    dir: PathBuf,
    entries: Vec<serde_json::Value>,
}

impl OciLayout {
    /// Creates (or takes over) `dir`, starting with an empty index.
    pub fn create(dir: &Path) -> Result<Self, FixtureError> {
        let layout = Self {
            dir: dir.to_path_buf(),
            entries: Vec::new(),
        };
        layout.write(
            "oci-layout",
            json!({"imageLayoutVersion": "1.0.0"})
                .to_string()
                .as_bytes(),
        )?;
        layout.write_index()?;
        Ok(layout)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Adds an image's blobs and a tagged entry for its manifest.
    pub fn add_image(&mut self, image: &Image, tag: &str) -> Result<(), FixtureError> {
        self.write_image_blobs(image)?;
        self.entries.push(json!({
            "mediaType": image.manifest_media_type,
            "digest": image.manifest_digest,
            "size": image.manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }));
        self.write_index()
    }

    /// Adds an index (and all its images' blobs) under `tag`.
    pub fn add_index(&mut self, index: &Index, tag: &str) -> Result<(), FixtureError> {
        for image in &index.images {
            self.write_image_blobs(image)?;
        }
        self.write_blob(&index.digest, &index.bytes)?;
        self.entries.push(json!({
            "mediaType": index.media_type,
            "digest": index.digest,
            "size": index.bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }));
        self.write_index()
    }

    fn write_image_blobs(&self, image: &Image) -> Result<(), FixtureError> {
        for (digest, bytes) in image.blobs() {
            self.write_blob(digest, bytes)?;
        }
        self.write_blob(&image.manifest_digest, &image.manifest)
    }

    fn write_blob(&self, digest: &str, bytes: &[u8]) -> Result<(), FixtureError> {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.write(&format!("blobs/sha256/{hex}"), bytes)
    }

    fn write_index(&self) -> Result<(), FixtureError> {
        let index = json!({
            "schemaVersion": 2,
            "mediaType": media::OCI_INDEX,
            "manifests": self.entries,
        });
        self.write("index.json", index.to_string().as_bytes())
    }

    fn write(&self, relative: &str, bytes: &[u8]) -> Result<(), FixtureError> {
        let path = self.dir.join(relative);
        let result = path
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|_| fs::write(&path, bytes));
        result.map_err(|source| FixtureError::Write { path, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn whiteout_names_follow_the_spec() {
        assert_eq!(whiteout_path("etc/motd"), "etc/.wh.motd");
        assert_eq!(whiteout_path("top"), ".wh.top");
        assert_eq!(whiteout_path("a/dir/"), "a/.wh.dir");
    }

    #[test]
    fn layer_tar_holds_each_entry_kind() {
        let layer = Layer::build(&[
            Entry::dir("etc"),
            Entry::file("etc/motd", "hi"),
            Entry::hardlink("etc/motd2", "etc/motd"),
            Entry::symlink("etc/link", "motd"),
            Entry::whiteout("etc/gone"),
            Entry::opaque("var"),
        ])
        .expect("layer");
        let mut archive = tar::Archive::new(layer.tar.as_slice());
        let mut seen = Vec::new();
        for entry in archive.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let path = entry.path().expect("path").to_string_lossy().into_owned();
            let kind = entry.header().entry_type();
            let mut body = String::new();
            entry.read_to_string(&mut body).expect("read");
            seen.push((path, kind, body));
        }
        use tar::EntryType as T;
        let want = vec![
            ("etc".to_string(), T::Directory, String::new()),
            ("etc/motd".to_string(), T::Regular, "hi".to_string()),
            ("etc/motd2".to_string(), T::Link, String::new()),
            ("etc/link".to_string(), T::Symlink, String::new()),
            ("etc/.wh.gone".to_string(), T::Regular, String::new()),
            ("var/.wh..wh..opq".to_string(), T::Regular, String::new()),
        ];
        assert_eq!(seen, want);
        let mut gunzipped = Vec::new();
        flate2::read::GzDecoder::new(layer.gzip.as_slice())
            .read_to_end(&mut gunzipped)
            .expect("gunzip");
        assert_eq!(gunzipped, layer.tar);
        assert_eq!(layer.diff_id, digest_of(&layer.tar));
    }

    #[test]
    fn same_entries_give_same_digests() {
        let a = Layer::build(&[Entry::file("a", "x")]).expect("a");
        let b = Layer::build(&[Entry::file("a", "x")]).expect("b");
        let c = Layer::build(&[Entry::file("a", "y")]).expect("c");
        assert_eq!(a.digest, b.digest);
        assert_ne!(a.digest, c.digest);
    }

    #[test]
    fn manifest_points_at_config_and_layers() {
        let layer = Layer::build(&[Entry::file("a", "x")]).expect("layer");
        let image = Image::builder()
            .layer(layer.clone())
            .platform("linux/arm64/v8")
            .build();
        let manifest: serde_json::Value = serde_json::from_slice(&image.manifest).expect("json");
        assert_eq!(manifest["config"]["digest"], image.config_digest.as_str());
        assert_eq!(manifest["layers"][0]["digest"], layer.digest.as_str());
        assert_eq!(manifest["layers"][0]["size"], layer.size());
        let config: serde_json::Value = serde_json::from_slice(&image.config).expect("json");
        assert_eq!(config["rootfs"]["diff_ids"][0], layer.diff_id.as_str());
        assert_eq!(config["architecture"], "arm64");
        assert_eq!(config["variant"], "v8");
    }
}
