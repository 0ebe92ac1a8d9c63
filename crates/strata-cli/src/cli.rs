//! The command line's grammar. It speaks docker's and skopeo's words so that habits carry over.
// The doc comments below are `--help` text (clap reads them), not rustdoc: `[:tag]` and
// a proxy's URL are what a user types, not links.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::bare_urls)]

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "strata",
    version = strata_core::VERSION,
    about = "Container images without a daemon: local store, layers, registries, commit",
    long_about = None,
)]
pub struct Cli {
    /// The store's folder [default: $STRATA_HOME, else the platform's data directory]
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a container from an image: its layers plus one writable layer
    Create {
        /// The image: a name or an ID
        image: String,
        /// The container's name [default: from the image's name]
        #[arg(long)]
        name: Option<String>,
        /// overlay or baseline [default: $STRATA_CONTAINER_MODE, else overlay where it mounts]
        #[arg(long)]
        mode: Option<String>,
        /// Print JSON instead of the ID
        #[arg(long)]
        json: bool,
    },
    /// List the containers
    Ps {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Run a command in a container through runc; exits with the command's code
    Run {
        /// The container: a name or an ID
        name: String,
        /// A pseudo-terminal, for interactive shells
        #[arg(short, long)]
        tty: bool,
        /// Accepted for docker's habit (`-it`): stdin is always passed on
        #[arg(short, long)]
        interactive: bool,
        /// Set an environment variable
        #[arg(short, long = "env", value_name = "KEY=VALUE")]
        env: Vec<String>,
        /// The working directory inside the container
        #[arg(short, long)]
        workdir: Option<String>,
        /// user[:group], by name or number
        #[arg(short, long)]
        user: Option<String>,
        /// slirp4netns (its own network, user-mode; the host's 127.0.0.1 closed),
        /// slirp4netns:allow_host_loopback=true (the host's 127.0.0.1 as 10.0.2.2),
        /// host (the host's network) or none (loopback only)
        #[arg(long, value_name = "MODE", default_value = "slirp4netns")]
        network: String,
        /// seccomp=unconfined turns the default seccomp profile off
        #[arg(long = "security-opt", value_name = "OPT")]
        security_opt: Vec<String>,
        /// The command [default: the image's entrypoint and cmd]
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Copy files between the host and a container: SRC NAME:DEST or NAME:SRC DEST
    Cp {
        /// A host path, or NAME:PATH in a container
        src: String,
        /// A host path, or NAME:PATH in a container
        dest: String,
    },
    /// Show the paths a container added (A), changed (C) and deleted (D)
    Diff {
        /// The container: a name or an ID
        name: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Make a new image from a container's changes: one new layer on the image's
    Commit {
        /// The container: a name or an ID
        name: String,
        /// The new image's name: [registry/]repository[:tag]
        reference: String,
        /// A comment for the image's history
        #[arg(short, long)]
        message: Option<String>,
        /// The author
        #[arg(short, long)]
        author: Option<String>,
        /// A Dockerfile instruction for the config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR
        #[arg(short, long = "change", value_name = "CHANGE")]
        changes: Vec<String>,
        /// gzip or zstd
        #[arg(long, default_value = "gzip")]
        compression: String,
        /// Compression level (gzip 0-9, zstd 1-22)
        #[arg(long)]
        level: Option<i32>,
        /// Clamp times to $SOURCE_DATE_EPOCH (or 0) so the same change gives the same digest
        #[arg(long)]
        reproducible: bool,
        /// Print JSON instead of the digest
        #[arg(long)]
        json: bool,
    },
    /// Remove containers (their writable layer is lost)
    Rm {
        /// Names or IDs
        #[arg(required = true)]
        names: Vec<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Show where the store is and how that was decided
    Home {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// List the images in the store
    Images {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Give an image another name
    Tag {
        /// The image: a name or an ID
        source: String,
        /// The new name: [registry/]repository[:tag]
        target: String,
    },
    /// Remove image names; an image goes when its last name does
    Rmi {
        /// Names or IDs
        #[arg(required = true)]
        images: Vec<String>,
        /// Remove an image with several names by ID, or one that containers use
        #[arg(short, long)]
        force: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Remove dangling images and blobs no image uses
    Prune {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Show the store's disk usage
    Df {
        /// Per image: size, shared and unique bytes
        #[arg(short, long)]
        verbose: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Verify every blob's digest and every image's parts; exits non-zero on problems
    Fsck {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Pull an image from a registry into the store
    Pull {
        /// The image: [registry/]repository[:tag][@digest]
        reference: String,
        /// The platform to take from a multi-platform image [default: this machine]
        #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
        platform: Option<String>,
        #[command(flatten)]
        access: RemoteAccess,
        /// Print the result as JSON (and no progress)
        #[arg(long)]
        json: bool,
    },
    /// Push a local image to a registry, under its own name or REMOTE
    Push {
        /// The local image (name or ID)
        local: String,
        /// The remote name: registry/repository[:tag] [default: LOCAL's name]
        remote: Option<String>,
        /// How layers are sent: auto gzips what is stored uncompressed and sends compressed
        /// layers as they are; gzip or zstd converts every layer; none sends them as stored
        /// [default: the app's setting, else auto]
        #[arg(long, value_enum)]
        compression: Option<CompressionArg>,
        /// Compression level: gzip 1-9, zstd 1-22 [default: the app's setting, else gzip 2
        /// for a registry reached directly on this machine or a private network, where the
        /// CPU is the limit, and gzip 6, fewer bytes, for any other; zstd 3]
        #[arg(long, value_name = "LEVEL", value_parser = clap::value_parser!(i32).range(1..=22))]
        compression_level: Option<i32>,
        #[command(flatten)]
        access: RemoteAccess,
        /// Print the result as JSON (and no progress)
        #[arg(long)]
        json: bool,
    },
    /// Show an image's config, platform and layers
    Inspect {
        /// The image: a name or an ID
        image: String,
        /// For a multi-platform image, which platform [default: this machine]
        #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
        platform: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// An image's files: the merged tree (each entry with the layer it comes from), one
    /// layer's changes (--changes), or one file's content (--cat). Layers count from 0, the bottom
    Files {
        /// The image: a name or an ID
        image: String,
        /// The folder (or file) to list
        #[arg(default_value = "/")]
        path: String,
        /// The merged tree as of this layer (0 = bottom) [default: the top layer]
        #[arg(long, value_name = "N")]
        layer: Option<usize>,
        /// Everything below the folder, not only its children
        #[arg(short, long)]
        recursive: bool,
        /// Also the entries whiteouts deleted (D, with the layer that deleted them)
        #[arg(long)]
        deleted: bool,
        /// The changes layer N makes: added (A), changed (C), deleted (D), opaque (O)
        #[arg(long, requires = "layer", conflicts_with_all = ["cat", "recursive", "deleted"])]
        changes: bool,
        /// Write this file's content from the merged view to stdout
        #[arg(long, value_name = "PATH", conflicts_with_all = ["recursive", "deleted", "json"])]
        cat: Option<String>,
        /// For a multi-platform image, which platform [default: this machine]
        #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
        platform: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Wasted space in an image: dive's efficiency score and wasted bytes, and per layer the
    /// bytes the final image shows (visible) or cannot see (hidden: overwritten or deleted later)
    Analyze {
        /// The image: a name or an ID
        image: String,
        /// Exit 1 when dive's efficiency score is below this (0 to 1), like `dive --ci`
        #[arg(long, value_name = "SCORE", value_parser = score)]
        fail_below: Option<f64>,
        /// Rows in each list (wasted, hidden, deleted, largest)
        #[arg(long, value_name = "N", default_value_t = 10)]
        top: usize,
        /// For a multi-platform image, which platform [default: this machine]
        #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
        platform: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Compare two local images: shared layers, files added, removed or changed in the
    /// merged trees, and config differences
    Compare {
        /// The first image (A): a name or an ID
        a: String,
        /// The second image (B): a name or an ID
        b: String,
        /// For multi-platform images, which platform [default: this machine]
        #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
        platform: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// The OS packages installed in an image (dpkg, apk) and its OS, read from its files
    /// without running it; or an SBOM of them
    Packages {
        /// The image: a name or an ID
        image: String,
        /// Print an SBOM instead: CycloneDX 1.5 or SPDX 2.3 JSON
        #[arg(long, value_enum, conflicts_with = "json")]
        sbom: Option<SbomArg>,
        /// For a multi-platform image, which platform [default: this machine]
        #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
        platform: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Local images whose tag on their registry now names another image (one HEAD request
    /// per image; an image whose registry cannot be asked is listed as such)
    Outdated {
        /// Print every image checked, as JSON
        #[arg(long)]
        json: bool,
    },
    /// Show how an image was built, newest step first
    History {
        /// The image: a name or an ID
        image: String,
        /// For a multi-platform image, which platform [default: this machine]
        #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
        platform: Option<String>,
        /// Do not shorten the commands
        #[arg(long)]
        no_trunc: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Load images from a docker save archive, an OCI archive or an OCI layout directory,
    /// or (with --from podman) one of Podman's images
    Import {
        /// The archive (docker or OCI tar, optionally gzip/zstd), OCI layout directory or
        /// skopeo dir: directory; with --from, the image's name or ID in that engine
        path: PathBuf,
        /// Bring the image from a container engine on this machine (podman, docker) instead of a file
        #[arg(long, value_name = "ENGINE")]
        from: Option<String>,
        /// Name the image REF instead of using the archive's names (one-image archives)
        #[arg(long, value_name = "REF")]
        tag: Option<String>,
        /// Print the result as JSON (and no progress)
        #[arg(long)]
        json: bool,
    },
    /// Make a one-layer image from a root filesystem (a tar or a directory)
    ImportRootfs {
        /// The root filesystem: a tar (optionally gzip/zstd) or a directory
        path: PathBuf,
        /// The new image's name
        #[arg(long, value_name = "REF")]
        tag: String,
        /// A comment for the image's history
        #[arg(short, long)]
        message: Option<String>,
        /// A Dockerfile instruction for the config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR
        #[arg(short, long = "change", value_name = "CHANGE")]
        changes: Vec<String>,
        /// The platform to record [default: this machine]
        #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
        platform: Option<String>,
        /// Print the result as JSON (and no progress)
        #[arg(long)]
        json: bool,
    },
    /// Write an image to a docker archive, an OCI archive or an OCI layout directory
    Export {
        /// The image: a name or an ID
        image: String,
        /// The file (or, for oci-dir, the directory) to write
        path: PathBuf,
        /// docker (docker save / docker load), oci (OCI archive) or oci-dir (OCI layout)
        #[arg(long, default_value = "docker", value_name = "FORMAT")]
        format: String,
        /// For a docker archive of a multi-platform image, which platform [default: this machine]
        #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
        platform: Option<String>,
        /// Replace PATH if it is an existing file (without it, an existing file is refused;
        /// a folder that holds something is never replaced)
        #[arg(short, long)]
        force: bool,
        /// Print the result as JSON (and no progress)
        #[arg(long)]
        json: bool,
    },
    /// Hand a local image to a container engine on this machine (podman load)
    Send {
        /// The image: a name or an ID
        image: String,
        /// The engine: podman or docker [default: the first one found]
        #[arg(long, value_name = "ENGINE")]
        to: Option<String>,
        /// Print the result as JSON (and no progress)
        #[arg(long)]
        json: bool,
    },
    /// The container engines on this machine (podman, docker), their versions, and whether
    /// Strata can send to them
    Engines {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Log in to a registry: check the credentials with it, then keep the secret in the
    /// system keychain (never in a file). Without --password-stdin, checks the saved login
    Login {
        /// The registry, optionally with a namespace the account is limited to: REGISTRY[/NAMESPACE]
        #[arg(required_unless_present = "import_docker")]
        registry: Option<String>,
        /// The account's name
        #[arg(short, long)]
        username: Option<String>,
        /// Read the password (or access token) from standard input
        #[arg(long)]
        password_stdin: bool,
        /// Use this account only for repositories under this namespace
        #[arg(long, value_name = "NS")]
        namespace: Option<String>,
        /// Make this the registry's default account
        #[arg(long)]
        default: bool,
        /// Allow plain HTTP or an unverified certificate for this registry
        #[arg(long)]
        insecure: bool,
        /// Import the logins of docker (~/.docker/config.json and its credential helpers) and podman (auth.json)
        #[arg(long, conflicts_with_all = ["registry", "username", "password_stdin", "namespace", "default"])]
        import_docker: bool,
        /// With --import-docker: read only this docker config.json or podman auth.json
        #[arg(long, value_name = "PATH", requires = "import_docker")]
        config: Option<PathBuf>,
        /// With --import-docker: import without asking
        #[arg(short, long, requires = "import_docker")]
        yes: bool,
        /// Print the saved account(s) as JSON (never a secret)
        #[arg(long)]
        json: bool,
    },
    /// Log out of a registry: delete its saved secret from the system keychain
    Logout {
        /// The registry
        registry: String,
        /// The account, when the registry has several
        #[arg(short, long)]
        username: Option<String>,
        /// Log out of every account of the registry
        #[arg(long, conflicts_with = "username")]
        all: bool,
    },
    /// List the saved registry logins (never a secret)
    Accounts {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// The registries you work with: list, add (with a provider preset), remove
    Registries {
        #[command(subcommand)]
        action: Option<RegistriesAction>,
        /// Print JSON instead of text
        #[arg(long, global = true)]
        json: bool,
    },
    /// Registry mirrors (镜像加速器) tried in order before a registry for pulls: list, add,
    /// remove, import from docker's daemon.json or containers' registries.conf
    Mirrors {
        #[command(subcommand)]
        action: Option<MirrorsAction>,
        /// Print JSON instead of text
        #[arg(long, global = true)]
        json: bool,
    },
    /// The HTTP(S) proxy for registries: show, set, unset (then the environment's
    /// HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY apply)
    Proxy {
        #[command(subcommand)]
        action: Option<ProxyAction>,
        /// Print JSON instead of text
        #[arg(long, global = true)]
        json: bool,
    },
    /// Save a cloud AccessKey for a registry with a management API (ACR), in the system
    /// keychain as a named cloud account, after one signed call proved it; `strata login
    /// REGISTRY` then needs no password
    CloudLogin {
        /// The saved registry (name or endpoint)
        registry: String,
        /// The AccessKey ID (without it, --account names an account saved before)
        #[arg(
            long,
            value_name = "ID",
            required_unless_present = "account",
            requires = "access_key_secret_stdin"
        )]
        access_key_id: Option<String>,
        /// Read the AccessKey secret from standard input (with --sts-token: the secret on
        /// the first line, the STS token on the second)
        #[arg(long, requires = "access_key_id")]
        access_key_secret_stdin: bool,
        /// The pair is temporary (STS): a security token follows the secret on stdin
        #[arg(long)]
        sts_token: bool,
        /// The cloud account to save the key as, or (without --access-key-id) to use
        /// [default: an account named after the registry]
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// Print the saved registry as JSON (never a secret)
        #[arg(long)]
        json: bool,
    },
    /// Named cloud accounts (Alibaba Cloud AccessKeys) that registries use: ls, add, rm
    CloudAccounts {
        #[command(subcommand)]
        action: Option<CloudAccountsAction>,
        /// Print JSON instead of text (never a secret)
        #[arg(long, global = true)]
        json: bool,
    },
    /// Namespaces of a registry with a management API: ls, create, rm
    Ns {
        #[command(subcommand)]
        action: NsAction,
    },
    /// Repositories of a namespace, through the registry's management API: ls, create, rm
    Repo {
        #[command(subcommand)]
        action: RepoAction,
    },
    /// List a registry's repositories, grouped by namespace (REGISTRY may be a saved name)
    Repos {
        /// REGISTRY or REGISTRY/NAMESPACE
        registry: String,
        /// Add repositories by hand (for registries that do not list theirs)
        #[arg(long, value_name = "REPO")]
        add: Vec<String>,
        /// Forget repositories added by hand
        #[arg(long, value_name = "REPO")]
        forget: Vec<String>,
        /// Do not ask the registry's catalog: hand-added repositories only
        #[arg(long)]
        no_catalog: bool,
        /// Repositories asked per catalog page
        #[arg(long, default_value_t = 0, hide_default_value = true, value_name = "N")]
        page_size: usize,
        #[command(flatten)]
        access: RemoteAccess,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// List a remote repository's tags
    Tags {
        /// The repository: registry/namespace/repository
        repository: String,
        /// Per tag: digest, compressed size, platforms, created time
        #[arg(long)]
        details: bool,
        /// Tags asked per page
        #[arg(long, default_value_t = 0, hide_default_value = true, value_name = "N")]
        page_size: usize,
        #[command(flatten)]
        access: RemoteAccess,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Give a remote image another tag in its repository, without pulling it
    Rtag {
        /// The image: registry/repository:tag or @digest
        source: String,
        /// The new tag, or registry/repository:tag in the same repository
        target: String,
        #[command(flatten)]
        access: RemoteAccess,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Delete a remote tag (by its digest: every tag naming that digest goes too)
    Rdelete {
        /// The tag or digest: registry/repository:tag
        reference: String,
        /// Delete even when other tags name the same digest
        #[arg(short, long)]
        yes: bool,
        #[command(flatten)]
        access: RemoteAccess,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Copy an image (or a multi-platform index) between repositories or registries, without storing it
    Copy {
        /// The source: registry/repository:tag or @digest
        source: String,
        /// The target: registry/repository:tag
        target: String,
        /// Credentials for both registries
        #[arg(long, value_name = "USER:PASS")]
        creds: Option<String>,
        /// Credentials for the source registry
        #[arg(long, value_name = "USER:PASS")]
        src_creds: Option<String>,
        /// Credentials for the target registry
        #[arg(long, value_name = "USER:PASS")]
        dest_creds: Option<String>,
        /// Allow plain HTTP or an unverified certificate for these registries
        #[arg(long)]
        insecure: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Print the login / pull / tag / push commands for a repository (the ACR console's guide)
    PushScript {
        /// registry/namespace/repository (the registry may be a saved name)
        repository: String,
        /// Commands for docker (the default)
        #[arg(long, conflicts_with = "strata")]
        docker: bool,
        /// Commands for strata
        #[arg(long)]
        strata: bool,
        /// Use the provider's VPC (internal network) endpoint
        #[arg(long)]
        vpc: bool,
        /// The username to fill in [default: the saved one or the login's]
        #[arg(short, long)]
        username: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Write the manual pages (strata.1 and one strata-COMMAND.1 per command) into DIR,
    /// generated from this grammar; `make dist` packages them
    #[command(hide = true)]
    Manpages {
        /// The folder to write them into (created if missing)
        dir: PathBuf,
    },
}

/// `strata packages --sbom`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SbomArg {
    Cyclonedx,
    Spdx,
}

impl From<SbomArg> for strata_core::insight::SbomFormat {
    fn from(a: SbomArg) -> Self {
        match a {
            SbomArg::Cyclonedx => Self::Cyclonedx,
            SbomArg::Spdx => Self::Spdx,
        }
    }
}

/// `strata push --compression`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CompressionArg {
    Auto,
    Gzip,
    Zstd,
    None,
}

impl From<CompressionArg> for strata_core::settings::PushCompression {
    fn from(c: CompressionArg) -> Self {
        use strata_core::settings::PushCompression as P;
        match c {
            CompressionArg::Auto => P::Auto,
            CompressionArg::Gzip => P::Gzip,
            CompressionArg::Zstd => P::Zstd,
            CompressionArg::None => P::None,
        }
    }
}

/// `--creds` and `--insecure` for remote commands.
#[derive(Debug, clap::Args)]
pub struct RemoteAccess {
    /// Credentials for the registry [default: the keychain's, after `strata login`]
    #[arg(long, value_name = "USER:PASS")]
    pub creds: Option<String>,
    /// Allow plain HTTP or an unverified certificate for this registry
    #[arg(long)]
    pub insecure: bool,
}

/// `strata registries …`
#[derive(Debug, Subcommand)]
pub enum RegistriesAction {
    /// List the saved registries (the default)
    List,
    /// Save a registry
    Add {
        /// The endpoint: registry.cn-hangzhou.aliyuncs.com, docker.io, 127.0.0.1:5000
        endpoint: String,
        /// acr_personal, acr_enterprise, docker_hub, ghcr, harbor, quay or generic [default: detected]
        #[arg(long)]
        provider: Option<String>,
        /// The name to show [default: the endpoint]
        #[arg(long)]
        name: Option<String>,
        /// The account to use by default (log in with `strata login`)
        #[arg(short, long)]
        username: Option<String>,
        /// Allow plain HTTP or an unverified certificate
        #[arg(long)]
        insecure: bool,
        /// A PEM file of extra CA certificates to trust for this registry
        #[arg(long, value_name = "PEM")]
        ca_file: Option<PathBuf>,
        /// ACR: the region of the management API (cn-hangzhou) [default: from the endpoint]
        #[arg(long)]
        region: Option<String>,
        /// ACR Enterprise: the instance ID (cri-…)
        #[arg(long, value_name = "ID")]
        instance: Option<String>,
        /// The management API's URL instead of the provider's (a VPC endpoint, a proxy, a
        /// server on this machine, where plain http is allowed)
        #[arg(long, value_name = "URL")]
        api_endpoint: Option<String>,
        /// ACR: use this saved cloud account's AccessKey (checked with one signed call
        /// first; a refused key saves nothing)
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
    /// ACR Enterprise: the account's instances and their internet and VPC registry
    /// domains, asked with the registry's saved AccessKey
    Instances {
        /// The saved registry (name or endpoint)
        name: String,
    },
    /// Forget a saved registry and the AccessKey only it had (its registry logins stay;
    /// `strata logout` removes them)
    #[command(alias = "rm")]
    Remove {
        /// The name or endpoint
        name: String,
    },
}

/// `strata mirrors …`
#[derive(Debug, Subcommand)]
pub enum MirrorsAction {
    /// List every registry's mirrors (the default)
    Ls,
    /// Add a mirror for a registry, tried after those it has: `strata mirrors add docker.io
    /// https://xxxx.mirror.aliyuncs.com`
    Add {
        /// The registry it mirrors: docker.io, quay.io, ghcr.io
        registry: String,
        /// The mirror's address (https:// assumed)
        url: String,
    },
    /// Remove one mirror of a registry, or all of them
    Rm {
        registry: String,
        url: Option<String>,
    },
    /// Add Docker Hub's mirrors from docker's daemon.json (`registry-mirrors`)
    ImportDocker {
        /// [default: /etc/docker/daemon.json]
        path: Option<PathBuf>,
    },
    /// Add the mirrors of containers' registries.conf v2 (`[[registry.mirror]]`)
    ImportContainers {
        /// [default: /etc/containers/registries.conf]
        path: Option<PathBuf>,
    },
}

/// `strata proxy …`
#[derive(Debug, Subcommand)]
pub enum ProxyAction {
    /// The proxy in use: the settings', else the environment's (the default)
    Show,
    /// Send registry traffic through an HTTP(S) proxy; it wins over the environment's
    Set {
        /// http://proxy.example.com:3128
        url: String,
        /// Hosts reached directly: localhost,.corp.example.com,10.0.0.0/8
        #[arg(long, value_name = "LIST", default_value = "")]
        no_proxy: String,
    },
    /// Forget the proxy: the environment's applies again
    Unset,
}

/// `strata cloud-accounts …`
#[derive(Debug, Subcommand)]
pub enum CloudAccountsAction {
    /// List the cloud accounts and the registries that use each (the default)
    Ls,
    /// Save a cloud account: its AccessKey secret goes to the system keychain
    Add {
        /// What to call it: prod, team-hz
        name: String,
        /// The AccessKey ID
        #[arg(long, value_name = "ID")]
        access_key_id: String,
        /// Read the AccessKey secret from standard input (with --sts-token: the secret on
        /// the first line, the STS token on the second)
        #[arg(long, required = true)]
        access_key_secret_stdin: bool,
        /// The pair is temporary (STS): a security token follows the secret on stdin
        #[arg(long)]
        sts_token: bool,
        /// Check the key with one signed call to this saved registry's API first, and use
        /// the account for it [default: checked when a registry first uses it]
        #[arg(long, value_name = "REGISTRY")]
        registry: Option<String>,
    },
    /// Remove a cloud account and its secret from the keychain
    Rm {
        name: String,
        /// Even while registries use it (they are left without an AccessKey)
        #[arg(long)]
        force: bool,
    },
}

/// `strata ns …`
#[derive(Debug, Subcommand)]
pub enum NsAction {
    /// List the namespaces
    Ls {
        /// The registry (saved name or endpoint)
        registry: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Create a namespace
    Create {
        /// REGISTRY/NAMESPACE
        target: String,
        /// New repositories in it are public (Harbor: the project is public)
        #[arg(long)]
        public: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Delete a namespace and every repository in it
    Rm {
        /// REGISTRY/NAMESPACE
        target: String,
        /// Delete without asking
        #[arg(short, long)]
        yes: bool,
    },
}

/// `strata repo …`
#[derive(Debug, Subcommand)]
pub enum RepoAction {
    /// List the repositories of a namespace
    Ls {
        /// REGISTRY/NAMESPACE
        target: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Show one repository with its detail and tags
    Show {
        /// REGISTRY/NAMESPACE/REPOSITORY
        target: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Create a repository
    Create {
        /// REGISTRY/NAMESPACE/REPOSITORY
        target: String,
        /// One line about it
        #[arg(long, default_value = "")]
        summary: String,
        /// The long description
        #[arg(long, default_value = "")]
        detail: String,
        /// Anyone may pull it (default: private)
        #[arg(long)]
        public: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Delete a repository and its tags
    Rm {
        /// REGISTRY/NAMESPACE/REPOSITORY
        target: String,
        /// Delete without asking
        #[arg(short, long)]
        yes: bool,
    },
}

/// A score between 0 and 1, for `--fail-below`.
fn score(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "`{text}` is not a score between 0 and 1 (0.9 is 90 %)"
        )),
    }
}
