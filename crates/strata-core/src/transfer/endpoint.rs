//! What a transfer reads from and writes to. A [`Source`] serves manifests and blob bytes;
//! a [`Sink`] says which blobs it has, takes the others (mounted where it can), and takes the
//! manifests last, the top one named. The local store and a registry repository are both;
//! an OCI layout (a folder or in a tar) and a docker archive are both too;
//! [`copy`](super::copy) moves an image between any two.
//!
//! A blob's bytes come as [`Data`]: chunks from a registry, or a blocking reader from a
//! source on local files. A sink that writes files reads such a reader on the thread that
//! writes, through one buffer: no piece is queued between a local source and a local sink,
//! so that memory stays the same whatever the size of the blob.

use std::future::Future;
use std::io::Read;

use bytes::Bytes;
use futures::stream::BoxStream;
use oci_spec::image::{Descriptor, Platform};

use crate::digest::Digest;
use crate::registry::{RawManifest, RegistryError};
use crate::task::{Meter, UnitKind};

/// One blob an image lists: a config or a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub digest: Digest,
    pub size: u64,
    pub kind: UnitKind,
}

/// A blob's bytes, in order, each once.
pub type Chunks<'a> = BoxStream<'a, Result<Bytes, RegistryError>>;

/// A blob's bytes from local files, read where they lie: the blob, and no more.
pub type BlobReader = Box<dyn Read + Send>;

/// A blob's bytes, as the source has them.
pub enum Data<'a> {
    /// Pieces as they arrive (a registry).
    Chunks(Chunks<'a>),
    /// A blocking reader (the store, a layout folder, an archive).
    Reader(BlobReader),
}

/// Where a source's blobs live on a registry, for a sink on the same registry to mount.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub registry: &'a str,
    pub repository: &'a str,
}

/// A manifest of the image moved, and what the sink does with it.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub raw: RawManifest,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Named by the top one (an index's image), or the index a platform was chosen from:
    /// written, not named.
    Part,
    /// The manifest or index the transfer names, last; with the platform of the index
    /// entry it was chosen by, if it was (as the index states it).
    Top { platform: Option<Platform> },
}

/// What [`Sink::mount`] did.
pub enum Mount<U> {
    /// The blob is there, no bytes sent.
    Mounted,
    /// Not mounted: upload it, in the session the sink started while trying, if any.
    Upload(Option<U>),
}

/// Where an image comes from.
pub trait Source: Send + Sync {
    /// Names the source in errors: the registry host, or `the store`.
    fn describe(&self) -> &str;

    /// The manifest or index the transfer starts from.
    fn top(&self) -> impl Future<Output = Result<RawManifest, RegistryError>> + Send;

    /// The manifest an index entry names.
    fn manifest(
        &self,
        entry: &Descriptor,
    ) -> impl Future<Output = Result<RawManifest, RegistryError>> + Send;

    /// Fails when the source can tell at once that it lacks one of `blobs`, so that
    /// nothing is sent for an image that cannot be complete.
    fn check(&self, blobs: &[Blob]) -> impl Future<Output = Result<(), RegistryError>> + Send;

    /// The blob's bytes from its start.
    fn blob<'a>(
        &'a self,
        blob: &'a Blob,
    ) -> impl Future<Output = Result<Data<'a>, RegistryError>> + Send;

    /// The registry repository the blobs are in, if the source is one.
    fn origin(&self) -> Option<Origin<'_>>;
}

/// Where an image goes.
pub trait Sink: Send + Sync {
    /// An upload the sink started while trying to mount, to write into.
    type Upload: Send;

    /// Learns the manifests before any blob moves, for a sink that places blobs by what a
    /// manifest says of them (a docker archive names each layer by its diff_id); most
    /// need not.
    fn expect(&self, _manifests: &[Manifest]) -> Result<(), RegistryError> {
        Ok(())
    }

    /// Whether the sink takes a local source's [`Data::Reader`] as it is, to read on the
    /// thread that writes (a sink on local files); else it is given chunks.
    fn reads_files(&self) -> bool {
        false
    }

    /// Whether the sink has the blob already.
    fn present(&self, blob: &Blob) -> impl Future<Output = Result<bool, RegistryError>> + Send;

    /// Makes the blob present without its bytes where the sink can (a mount from the
    /// source's repository or one where the blob was seen).
    fn mount(
        &self,
        blob: &Blob,
        origin: Option<Origin<'_>>,
    ) -> impl Future<Output = Result<Mount<Self::Upload>, RegistryError>> + Send;

    /// Writes the blob from `data` (counted and capped at the blob's size by the caller),
    /// reporting `Verifying` on `meter` once every byte is in; checks the digest and size
    /// before the blob becomes visible. `from` names the source in a digest error.
    fn write(
        &self,
        blob: &Blob,
        from: &str,
        data: Data<'_>,
        started: Option<Self::Upload>,
        meter: &Meter<'_>,
    ) -> impl Future<Output = Result<(), RegistryError>> + Send;

    /// Keeps what the sink may keep while the blobs move (the store: the manifest blobs,
    /// which name nothing yet); a registry needs the blobs first and keeps nothing here.
    fn keep(
        &self,
        manifests: &[Manifest],
    ) -> impl Future<Output = Result<(), RegistryError>> + Send;

    /// Writes one manifest after every blob is in; returns its digest. The top one last.
    fn put_manifest(
        &self,
        manifest: &Manifest,
    ) -> impl Future<Output = Result<Digest, RegistryError>> + Send;
}
