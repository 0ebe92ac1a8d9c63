//! Containers: an image's layers (read-only, unpacked once per layer and shared) plus one
//! writable layer; create, files, diff (A/C/D), commit, and running a command through an
//! installed OCI runtime. What `docker create / cp / diff / commit / rm` and
//! `docker run` do, without a daemon.
//!
//! ```text
//! <root>/layers/<diff_id hex>/            one cached layer, overlayfs format (see layers)
//! <root>/containers/<id>/container.json   the record (see record; the store reads it too)
//! <root>/containers/<id>/rootfs/          the merged root: the overlay mount, or the copy
//! <root>/containers/<id>/upper/, work/    overlay: the writable layer, overlayfs scratch
//! <root>/containers/<id>/init/            overlay: /proc, /sys, /dev when the image lacks them
//! <root>/containers/<id>/baseline         baseline: the copy's recorded state
//! ```
//!
//! Two modes ([`Mode`]): on Linux as root, an **overlay** mount (lower = the cached layer
//! folders, upper = the container's layer), so a commit reads only what changed; elsewhere,
//! a **baseline** copy of the merged image plus a recorded baseline, so a diff is one walk.
//! `STRATA_CONTAINER_MODE=overlay|baseline` (or [`CreateOptions::mode`]) forces one.
//! Everything lives on disk, so containers survive a restart; an overlay is mounted again
//! when first needed.
//!
//! | module | job |
//! |---|---|
//! | [`record`] | `container.json` |
//! | [`layers`] | the layer cache; applying an image to a copy |
//! | `mount` | the overlayfs mount |
//! | [`baseline`] | the copy's recorded state |
//! | [`diff`] | `docker diff`, and the commit's change list |
//! | [`files`] | list, read, write, mkdir, rename, delete, chmod, copy in and out |
//! | [`commit`] | a new image: one new layer on the base's, by digest |
//! | [`run`] | an OCI runtime bundle, run by `runc` |
//! | [`network`] | a run's network namespace and slirp4netns |
//! | [`seccomp`] | the default seccomp profile |
//!
//! `layers/` and `containers/` are root's alone (0700): unpacked layers keep the image's
//! setuid files and device nodes, which no other user of the host may reach.
//!
//! [OCI image spec: layer.md]: https://github.com/opencontainers/image-spec/blob/main/layer.md

pub mod baseline;
pub mod commit;
pub mod diff;
mod error;
pub mod files;
pub mod layers;
#[cfg(target_os = "linux")]
mod mount;
#[cfg(not(target_os = "linux"))]
#[path = "container/mount_unsupported.rs"]
mod mount;
pub mod network;
pub mod record;
pub mod run;
pub mod seccomp;

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use oci_spec::image::{Descriptor, ImageConfiguration};

pub use commit::{CommitOptions, Committed};
pub use diff::{DiffEntry, DiffKind};
pub use error::ContainerError;
pub use files::FileEntry;
pub use network::Network;
pub use record::{ContainerInfo, Mode};
pub use run::{find_runtime, PreparedRun, RunOptions};
pub use seccomp::Seccomp;

use crate::digest::Digest;
use crate::image::change::{apply_change, empty_config};
use crate::image::model;
use crate::store::Store;
use crate::task::TaskCtx;

/// The environment variable that forces a mode for new containers.
pub const MODE_ENV: &str = "STRATA_CONTAINER_MODE";

const CONTAINERS_DIR: &str = "containers";
const ROOTFS: &str = "rootfs";
const UPPER: &str = "upper";
const WORK: &str = "work";
const INIT: &str = "init";

/// How to create a container.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// The name [default: made from the image's name and the ID].
    pub name: Option<String>,
    /// Force a mode [default: `$STRATA_CONTAINER_MODE`, else overlay where it mounts].
    pub mode: Option<Mode>,
}

/// The containers of one store.
#[derive(Debug, Clone)]
pub struct Containers {
    store: Store,
}

impl Containers {
    /// The containers of `store`. Folders of the container machinery made by an older
    /// version are tightened to 0700 here (best effort: a failure shows when they are used).
    pub fn new(store: &Store) -> Containers {
        for dir in [CONTAINERS_DIR, layers::LAYERS_DIR] {
            let _ = tighten(&store.root().join(dir));
        }
        Containers {
            store: store.clone(),
        }
    }

    fn dir(&self) -> PathBuf {
        self.store.root().join(CONTAINERS_DIR)
    }

    /// Creates a container from an image (name or ID), ready to change and run.
    pub fn create(&self, image: &str, opts: &CreateOptions) -> Result<Container, ContainerError> {
        self.create_with(image, opts, TaskCtx::none())
    }

    /// [`create`](Containers::create) as a task: each layer is reported done as it is
    /// unpacked (by blob digest, its stored size), and a cancel stops between layers, or
    /// after the last one if it comes before the container is recorded, leaving no
    /// container ([`ContainerError::Cancelled`]).
    pub fn create_with(
        &self,
        image: &str,
        opts: &CreateOptions,
        ctx: TaskCtx<'_>,
    ) -> Result<Container, ContainerError> {
        if !cfg!(target_os = "linux") {
            return Err(not_linux());
        }
        let image_ref = self.store.resolve(image)?;
        let image_digest = image_ref.digest()?;
        let resolved = model::resolve(&self.store, &image_ref.descriptor, None)?;
        let manifest_digest = model::digest_of(&resolved.manifest_descriptor)?;
        let layers = layer_list(&resolved, &manifest_digest)?;

        let id = new_id();
        let name = match &opts.name {
            Some(n) => n.clone(),
            None => default_name(&image_ref.name, &id),
        };
        self.check_new_name(&name)?;
        let forced = match opts.mode {
            Some(m) => Some(m),
            None => match std::env::var(MODE_ENV) {
                Ok(v) if !v.trim().is_empty() => Some(v.parse()?),
                _ => None,
            },
        };
        let want_overlay = match forced {
            Some(m) => m == Mode::Overlay,
            None => cfg!(target_os = "linux") && layers::is_root(),
        };

        private_dir(&self.dir())?;
        let dir = self.dir().join(&id);
        fs::create_dir_all(&dir).map_err(|e| ContainerError::io("create", &dir, e))?;
        let made = self.populate(&dir, &name, &layers, want_overlay, ctx);
        let mode = match made {
            Ok(mode) => mode,
            Err(e) => {
                let _ = mount::unmount(&dir.join(ROOTFS));
                let _ = fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        if forced == Some(Mode::Overlay) && mode != Mode::Overlay {
            let _ = fs::remove_dir_all(&dir);
            return Err(ContainerError::Mount {
                name,
                reason: "overlay was asked for and could not be set up".into(),
            });
        }
        if ctx.is_cancelled() {
            // Cancelled after the last layer: nothing is recorded, nothing is left.
            let _ = mount::unmount(&dir.join(ROOTFS));
            layers::make_writable(&dir);
            let _ = fs::remove_dir_all(&dir);
            return Err(ContainerError::Cancelled);
        }
        let info = ContainerInfo {
            id,
            name,
            image: image_ref.name.clone(),
            image_digest,
            manifest_digest,
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            mode,
            layers: layers.iter().map(|(_, d)| d.clone()).collect(),
        };
        // Written last and under the store lock: `rm`'s layer pruning (under the same lock)
        // sees this container's layers from now on, and `rmi` sees it holds the image.
        {
            let _lock = self.store.lock()?;
            if mode == Mode::Overlay {
                for (desc, diff_id) in &layers {
                    layers::ensure(&self.store, desc, diff_id)?;
                }
            }
            info.write(&dir)?;
        }
        Ok(Container {
            store: self.store.clone(),
            dir,
            info,
        })
    }

    /// Refuses a name a new container cannot take: one outside the grammar
    /// ([`ContainerError::BadName`]) or one another container has
    /// ([`ContainerError::NameInUse`]). [`create_with`](Containers::create_with) checks it
    /// too; a shell may ask first, to refuse before it starts a task.
    pub fn check_new_name(&self, name: &str) -> Result<(), ContainerError> {
        if !record::valid_name(name) {
            return Err(ContainerError::BadName(name.to_string()));
        }
        if self.list()?.iter().any(|c| c.name == name) {
            return Err(ContainerError::NameInUse(name.to_string()));
        }
        Ok(())
    }

    /// Sets up the root: overlay when wanted and possible, the baseline copy otherwise.
    fn populate(
        &self,
        dir: &Path,
        name: &str,
        layers: &[(Descriptor, Digest)],
        want_overlay: bool,
        ctx: TaskCtx<'_>,
    ) -> Result<Mode, ContainerError> {
        let rootfs = dir.join(ROOTFS);
        fs::create_dir_all(&rootfs).map_err(|e| ContainerError::io("create", &rootfs, e))?;
        if want_overlay && layers::is_root() && !layers.is_empty() {
            let mut lowers = layers::ensure_all(&self.store, layers, ctx)?;
            lowers.extend(init_layer(dir, &lowers)?);
            for sub in [UPPER, WORK] {
                let p = dir.join(sub);
                fs::create_dir_all(&p).map_err(|e| ContainerError::io("create", &p, e))?;
            }
            match mount::mount(&lowers, &dir.join(UPPER), &dir.join(WORK), &rootfs) {
                Ok(()) => return Ok(Mode::Overlay),
                Err(reason) => {
                    tracing::info!(container = name, %reason, "overlay unavailable, using a copy");
                    for sub in [UPPER, WORK, INIT] {
                        let _ = fs::remove_dir_all(dir.join(sub));
                    }
                }
            }
        }
        layers::apply_image(&self.store, layers, &rootfs, ctx)?;
        let recorded = baseline::record(&rootfs)?;
        baseline::save(&recorded, &dir.join(baseline::BASELINE_FILE))?;
        Ok(Mode::Baseline)
    }

    /// Every container, oldest first. Folders without a readable record (a create that
    /// died half-way) are left out.
    pub fn list(&self) -> Result<Vec<ContainerInfo>, ContainerError> {
        let dir = self.dir();
        let listing = match fs::read_dir(&dir) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(ContainerError::io("list", &dir, e)),
        };
        let mut out: Vec<ContainerInfo> = listing
            .flatten()
            .filter_map(|e| {
                // A record names its own folder: one whose ID is another's (a folder
                // copied, or an ID with `../` written by hand) would have `rm` and
                // `commit` act on that other folder.
                ContainerInfo::read(&e.path())
                    .ok()
                    .filter(|info| e.file_name().to_str() == Some(info.id.as_str()))
            })
            .collect();
        out.sort_by(|a, b| a.created.cmp(&b.created).then(a.name.cmp(&b.name)));
        Ok(out)
    }

    /// A container by name, full ID or unique ID prefix.
    pub fn get(&self, name_or_id: &str) -> Result<Container, ContainerError> {
        let all = self.list()?;
        let found = match all
            .iter()
            .find(|c| c.name == name_or_id || c.id == name_or_id)
        {
            Some(c) => c.clone(),
            None => {
                let matches: Vec<&ContainerInfo> = all
                    .iter()
                    .filter(|c| {
                        name_or_id.len() >= 3
                            && name_or_id.bytes().all(|b| b.is_ascii_hexdigit())
                            && c.id.starts_with(name_or_id)
                    })
                    .collect();
                match matches.as_slice() {
                    [one] => (*one).clone(),
                    [] => return Err(ContainerError::NotFound(name_or_id.to_string())),
                    many => {
                        return Err(ContainerError::Ambiguous {
                            input: name_or_id.to_string(),
                            candidates: many.iter().map(|c| c.name.clone()).collect(),
                        })
                    }
                }
            }
        };
        Ok(self.open(found))
    }

    /// Every container, as [`Containers::list`] orders them, ready to use.
    pub fn all(&self) -> Result<Vec<Container>, ContainerError> {
        Ok(self.list()?.into_iter().map(|i| self.open(i)).collect())
    }

    /// The container of a record [`Containers::list`] returned (its ID is its folder's name).
    fn open(&self, info: ContainerInfo) -> Container {
        Container {
            store: self.store.clone(),
            dir: self.dir().join(&info.id),
            info,
        }
    }

    /// Removes a container: unmounts it, deletes its folder, and drops cached layers no
    /// other container uses.
    pub fn remove(&self, name_or_id: &str) -> Result<ContainerInfo, ContainerError> {
        let c = self.get(name_or_id)?;
        let rootfs = c.dir.join(ROOTFS);
        if mount::is_mounted(&rootfs) {
            mount::unmount(&rootfs).map_err(|reason| ContainerError::Mount {
                name: c.info.name.clone(),
                reason: format!("cannot unmount it: {reason}"),
            })?;
            if mount::is_mounted(&rootfs) {
                return Err(ContainerError::Mount {
                    name: c.info.name.clone(),
                    reason: "it is still mounted".into(),
                });
            }
        }
        // The record goes first: from then on nothing counts this container as a holder.
        let record = c.dir.join(record::RECORD_FILE);
        fs::remove_file(&record).map_err(|e| ContainerError::io("remove", &record, e))?;
        layers::make_writable(&c.dir);
        fs::remove_dir_all(&c.dir).map_err(|e| ContainerError::io("remove", &c.dir, e))?;
        let _lock = self.store.lock()?;
        let keep: BTreeSet<String> = self
            .list()?
            .iter()
            .filter(|o| o.mode == Mode::Overlay)
            .flat_map(|o| o.layers.iter().map(|d| d.hex().to_string()))
            .collect();
        layers::prune(&self.store, &keep)?;
        Ok(c.info)
    }
}

/// Outside Linux no container is made: unpacking its layers and everything after go through
/// the rooted filesystem ([`crate::fs`]), which needs Linux's openat2.
fn not_linux() -> ContainerError {
    ContainerError::Unsupported(format!(
        "this is {}, and a container's layers and files are reached through Linux's openat2",
        std::env::consts::OS
    ))
}

/// Makes `dir` (and its parents) if missing, and makes it root's alone (0700): see the
/// module's notes.
#[cfg(unix)]
pub(crate) fn private_dir(dir: &Path) -> Result<(), ContainerError> {
    use std::os::unix::fs::DirBuilderExt;
    match fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        Ok(()) => {}
        Err(e) => return Err(ContainerError::io("create", dir, e)),
    }
    tighten(dir).map_err(|e| ContainerError::io("set the mode of", dir, e))
}

/// Makes `dir` (and its parents) if missing: no modes outside Unix.
#[cfg(not(unix))]
pub(crate) fn private_dir(dir: &Path) -> Result<(), ContainerError> {
    fs::create_dir_all(dir).map_err(|e| ContainerError::io("create", dir, e))
}

/// `chmod go-rwx DIR` when it exists and is not already so.
#[cfg(unix)]
fn tighten(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mode = meta.permissions().mode() & 0o7777;
    if meta.is_dir() && mode & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(mode & 0o700))?;
    }
    Ok(())
}

/// No modes to tighten outside Unix.
#[cfg(not(unix))]
fn tighten(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// docker's "init layer", for an overlay container whose image lacks the mount points a
/// runtime needs (`/proc`, `/sys`, `/dev`): a small lower folder of the container's own
/// that holds them, so that the runtime never creates them in the writable layer and a
/// commit never carries them. `None` when the image has them all.
fn init_layer(dir: &Path, lowers: &[PathBuf]) -> Result<Option<PathBuf>, ContainerError> {
    let view = diff::LowerView::new(lowers)?;
    let missing: Vec<&str> = ["proc", "sys", "dev"]
        .into_iter()
        .filter(|p| view.lookup(Path::new(p)).is_none())
        .collect();
    if missing.is_empty() {
        return Ok(None);
    }
    let init = dir.join(INIT);
    for p in missing {
        let path = init.join(p);
        fs::create_dir_all(&path).map_err(|e| ContainerError::io("create", &path, e))?;
    }
    Ok(Some(init))
}

/// The layers of an image: (blob descriptor, diff_id), bottom first.
fn layer_list(
    image: &model::ResolvedImage,
    manifest_digest: &Digest,
) -> Result<Vec<(Descriptor, Digest)>, ContainerError> {
    let blobs = image.manifest.layers();
    let diff_ids = image.config.rootfs().diff_ids();
    if blobs.len() != diff_ids.len() {
        return Err(ContainerError::LayerCount(manifest_digest.to_string()));
    }
    blobs
        .iter()
        .zip(diff_ids)
        .map(|(b, d)| {
            let diff_id: Digest = d.parse().map_err(|_| {
                crate::image::ImageError::Corrupt(format!("diff_id {d} is not a sha256 digest"))
            })?;
            Ok((b.clone(), diff_id))
        })
        .collect()
}

fn new_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// `busybox-1a2b3c`: the repository's last component and six hex digits of the ID.
fn default_name(image: &str, id: &str) -> String {
    let repo = image
        .rsplit('/')
        .next()
        .unwrap_or("")
        .split([':', '@'])
        .next()
        .unwrap_or("");
    let clean: String = repo
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .collect();
    let base = if clean
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        clean
    } else {
        "container".into()
    };
    format!("{base}-{}", &id[..6])
}

/// One container.
#[derive(Debug, Clone)]
pub struct Container {
    store: Store,
    dir: PathBuf,
    info: ContainerInfo,
}

impl Container {
    pub fn info(&self) -> &ContainerInfo {
        &self.info
    }

    /// The container's folder in the store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// An overlay container's lower folders, bottom first: the cached layers, then its
    /// init layer when it has one.
    fn lowers(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self
            .info
            .layers
            .iter()
            .map(|d| layers::layer_dir(&self.store, d))
            .collect();
        let init = self.dir.join(INIT);
        if init.is_dir() {
            out.push(init);
        }
        out
    }

    /// The merged root on the host, mounted first if it is an overlay that is not (after a
    /// reboot), and made `nosuid,nodev` if it was mounted without (see `mount`).
    pub fn root(&self) -> Result<PathBuf, ContainerError> {
        let rootfs = self.dir.join(ROOTFS);
        if self.info.mode == Mode::Overlay && mount::is_mounted(&rootfs) && layers::is_root() {
            mount::harden(&rootfs).map_err(|reason| ContainerError::Mount {
                name: self.info.name.clone(),
                reason: format!("cannot make it nosuid,nodev: {reason}"),
            })?;
        }
        if self.info.mode == Mode::Overlay && !mount::is_mounted(&rootfs) {
            let lowers = self.lowers();
            if let Some(missing) = lowers.iter().find(|l| !l.is_dir()) {
                return Err(ContainerError::Corrupt {
                    path: missing.clone(),
                    reason: "a cached layer of this container is missing".into(),
                });
            }
            fs::create_dir_all(&rootfs).map_err(|e| ContainerError::io("create", &rootfs, e))?;
            mount::mount(
                &lowers,
                &self.dir.join(UPPER),
                &self.dir.join(WORK),
                &rootfs,
            )
            .map_err(|reason| ContainerError::Mount {
                name: self.info.name.clone(),
                reason,
            })?;
        }
        Ok(rootfs)
    }

    /// What changed since the container was created, sorted by path.
    pub fn diff(&self) -> Result<Vec<DiffEntry>, ContainerError> {
        Ok(self.changes()?.entries)
    }

    fn changes(&self) -> Result<diff::Changes, ContainerError> {
        match self.info.mode {
            Mode::Overlay => {
                let lowers = self.lowers();
                diff::overlay(&self.dir.join(UPPER), &diff::LowerView::new(&lowers)?)
            }
            Mode::Baseline => {
                let base = baseline::load(&self.dir.join(baseline::BASELINE_FILE))?;
                diff::baseline(&self.dir.join(ROOTFS), &base)
            }
        }
    }

    /// Commits the writable layer as a new image (see [`commit`]).
    pub fn commit(&self, opts: &CommitOptions) -> Result<Committed, ContainerError> {
        self.commit_with(opts, TaskCtx::none())
    }

    /// [`commit`](Container::commit) as a task. Nothing to commit (no file changed and no
    /// config change given) is refused ([`ContainerError::NoChanges`]). The new layer's
    /// compressed bytes are reported as the unit `layer`, and a cancel stops the write
    /// before anything is named ([`ContainerError::Cancelled`]; a cancelled write's error
    /// may also come as the layer's I/O error, with the flag raised).
    pub fn commit_with(
        &self,
        opts: &CommitOptions,
        ctx: TaskCtx<'_>,
    ) -> Result<Committed, ContainerError> {
        let changes = self.changes()?;
        if changes.entries.is_empty() && opts.changes.is_empty() {
            // The new image would be its base under another name.
            return Err(ContainerError::NoChanges(self.info.name.clone()));
        }
        let (upper, rootfs) = (self.dir.join(UPPER), self.dir.join(ROOTFS));
        let source = match self.info.mode {
            Mode::Overlay => commit::LayerSource::Upper {
                upper: &upper,
                changes: changes.entries.len(),
            },
            Mode::Baseline => commit::LayerSource::Changes {
                root: &rootfs,
                changes: &changes.layer,
            },
        };
        commit::commit(&self.store, &self.info.manifest_digest, source, opts, ctx)
    }

    /// Refuses, before any work, what [`commit_with`](Container::commit_with) would
    /// refuse: a config change that is not one, or nothing to commit (no file changed and
    /// no config change given). A shell calls it to refuse at once rather than in a task.
    pub fn check_commit(&self, opts: &CommitOptions) -> Result<(), ContainerError> {
        let mut config = empty_config();
        for change in &opts.changes {
            apply_change(&mut config, change)?;
        }
        if opts.changes.is_empty() && self.diff()?.is_empty() {
            return Err(ContainerError::NoChanges(self.info.name.clone()));
        }
        Ok(())
    }

    /// The image config the container was created from.
    pub fn image_config(&self) -> Result<ImageConfiguration, ContainerError> {
        let manifest = model::parse_manifest(
            &self
                .store
                .read_blob(&self.info.manifest_digest, model::MAX_DOCUMENT)?,
            "the container's manifest",
        )?;
        Ok(model::read_config(&self.store, &manifest)?)
    }

    /// Prepares a run: the bundle on disk and the runtime command, for a caller that
    /// wants its own stdio (the app's terminal).
    pub fn prepare_run(&self, opts: &RunOptions) -> Result<PreparedRun, ContainerError> {
        let runtime = find_runtime()?;
        if !layers::is_root() {
            return Err(ContainerError::NeedsRoot);
        }
        let root = self.root()?;
        let image = self.image_config()?;
        let runc_id = format!("strata-{}-{}", self.info.short_id(), &new_id()[..8]);
        PreparedRun::new(
            runtime,
            runc_id,
            &self.dir,
            &root,
            hostname_of(&self.info.name),
            &image,
            opts,
        )
    }

    /// Runs a command with this process's stdio; returns its exit code.
    pub fn run(&self, opts: &RunOptions) -> Result<i32, ContainerError> {
        self.prepare_run(opts)?.run()
    }

    // ---- files ------------------------------------------------------------------------

    /// A folder's entries (or a file's own entry).
    pub fn list_files(&self, path: &str) -> Result<Vec<FileEntry>, ContainerError> {
        files::list(&self.root()?, path)
    }

    /// Streams a file into `out`.
    pub fn read_file(&self, path: &str, out: &mut dyn Write) -> Result<u64, ContainerError> {
        files::read(&self.root()?, path, out)
    }

    /// A text file for an editor (regular files only, up to [`files::MAX_TEXT`]).
    pub fn read_text(&self, path: &str) -> Result<files::TextFile, ContainerError> {
        files::read_text(&self.root()?, path)
    }

    /// Creates or replaces a file.
    pub fn write_file(
        &self,
        path: &str,
        content: &mut dyn Read,
        mode: Option<u32>,
    ) -> Result<u64, ContainerError> {
        files::write(&self.root()?, path, content, mode)
    }

    pub fn mkdir(&self, path: &str, mode: Option<u32>) -> Result<(), ContainerError> {
        files::mkdir(&self.root()?, path, mode)
    }

    pub fn rename(&self, from: &str, to: &str) -> Result<(), ContainerError> {
        files::rename(&self.root()?, from, to)
    }

    pub fn delete(&self, path: &str) -> Result<(), ContainerError> {
        files::delete(&self.root()?, path)
    }

    pub fn chmod(&self, path: &str, mode: u32) -> Result<(), ContainerError> {
        files::chmod(&self.root()?, path, mode)
    }

    /// Copies a host file or folder in (`strata cp SRC NAME:DEST`).
    pub fn copy_in(&self, src: &Path, dest: &str) -> Result<Vec<String>, ContainerError> {
        files::copy_in(&self.root()?, src, dest)
    }

    /// Copies a file or folder out to the host (`strata cp NAME:SRC DEST`).
    pub fn copy_out(&self, src: &str, dest: &Path) -> Result<(), ContainerError> {
        files::copy_out(&self.root()?, src, dest)
    }
}

/// The container's hostname: its name, cut to 63 characters. A name may be 128 long, and
/// the kernel refuses a hostname past 64, so runc could not start a container with a long
/// name at all.
fn hostname_of(name: &str) -> &str {
    name.char_indices()
        .nth(63)
        .map_or(name, |(at, _)| &name[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, name: &str) -> ContainerInfo {
        ContainerInfo {
            id: id.to_string(),
            name: name.to_string(),
            image: "docker.io/library/busybox:latest".into(),
            image_digest: Digest::of(b"manifest"),
            manifest_digest: Digest::of(b"manifest"),
            created: "2026-12-06T00:00:00Z".into(),
            mode: Mode::Baseline,
            layers: Vec::new(),
        }
    }

    #[test]
    fn a_record_naming_another_folder_is_not_a_container() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        let all = Containers::new(&store);
        let id = Digest::of(b"web").hex().to_string();
        for (folder, info) in [
            (id.as_str(), record(&id, "web")),
            // Its ID leads out of the containers folder: `rm evil` would delete there.
            ("evil", record("../../victim", "evil")),
            // A copy of web's folder: `rm copy` would delete web.
            ("copy", record(&id, "copy")),
        ] {
            let d = all.dir().join(folder);
            fs::create_dir_all(&d).unwrap();
            info.write(&d).unwrap();
        }
        fs::create_dir_all(dir.path().join("victim")).unwrap();

        let listed: Vec<String> = all.list().unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(listed, vec!["web"]);
        for name in ["evil", "copy"] {
            assert!(matches!(all.get(name), Err(ContainerError::NotFound(_))));
            assert!(all.remove(name).is_err());
        }
        assert!(dir.path().join("victim").is_dir());
        assert!(all.dir().join(&id).join(record::RECORD_FILE).is_file());
    }
}
