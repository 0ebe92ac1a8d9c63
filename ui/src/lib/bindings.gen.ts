// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p strata-app bindings`.
// Do not edit: change the Rust type and regenerate.

export type Problem = { 
/**
 * Stable, machine-readable: `store.not_found`, `reference.invalid`, …
 */
code: string, 
/**
 * One sentence, no trailing period needed, never a secret.
 */
message: string, 
/**
 * What the person can do about it, when we know.
 */
hint?: Hint, };

export type Hint = { 
/**
 * A hint key: `credentials.log_in`, `path.choose_again`, …
 */
key: string, 
/**
 * The values the advice names, by the key's parameter names: `{"registry": "r.io"}`.
 */
args: { [key in string]: string }, };

export type AppInfo = { version: string, 
/**
 * The store folder.
 */
home: string, 
/**
 * How the store folder was chosen.
 */
home_source: "flag" | "env" | "platform", 
/**
 * The settings file.
 */
settings_path: string, };

export type Language = "system" | "en" | "zh-CN";

export type Theme = "system" | "light" | "dark";

export type PushCompression = "auto" | "gzip" | "zstd" | "none";

export type Settings = { language: Language, theme: Theme, push_compression: PushCompression, 
/**
 * The push compression level; 0: the compressor's default (gzip 6, zstd 3).
 */
push_compression_level: number, 
/**
 * Mirrors tried, in order, before a registry itself for pulls: `docker.io` →
 * `["https://xxxx.mirror.aliyuncs.com"]` (the engine's `registry::mirrors`).
 */
mirrors?: { [key in string]: Array<string> }, 
/**
 * The proxy every registry request goes through; `None`: the environment's
 * (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`).
 */
proxy?: ProxySettings, };

export type SettingsPatch = { language?: Language, theme?: Theme, push_compression?: PushCompression, push_compression_level?: number, };

export type ProxySettings = { 
/**
 * `http://proxy.example.com:3128`, or a SOCKS5 proxy (`socks5://127.0.0.1:1080`, names
 * resolved here; `socks5h://…`, names resolved by the proxy): used for `http` and
 * `https` registries alike.
 */
url: string, 
/**
 * Hosts reached directly, comma-separated as in `NO_PROXY`: `localhost,.corp,10.0.0.0/8`.
 */
no_proxy: string, };

export type MirrorSource = "docker" | "containers";

export type MirrorImport = { path: string, 
/**
 * Mirrors that were not in the settings yet.
 */
added: number, 
/**
 * Mirror locations that cannot be used (a namespace inside a mirror).
 */
skipped: Array<string>, 
/**
 * Every registry's mirrors now.
 */
mirrors: { [key in string]: Array<string> }, };

export type ImageRow = { 
/**
 * `nginx`, `ghcr.io/o/app`; `<none>` for an unnamed image.
 */
repository: string, tag: string, 
/**
 * The full normalised reference; empty for an unnamed image.
 */
name: string, 
/**
 * What to pass to the other commands: the name, else the digest.
 */
reference: string, 
/**
 * The first 12 hex digits of the digest (the IMAGE ID column).
 */
id: string, 
/**
 * The manifest or index digest.
 */
digest: string, 
/**
 * RFC 3339.
 */
created: string | null, size: number, 
/**
 * Of `size`, bytes another image uses too.
 */
shared: number, 
/**
 * What removing the image alone frees.
 */
unique: number, 
/**
 * How many names the image has in all.
 */
names: number, platforms: Array<string>, containers: Array<string>, };

export type DiskSummary = { images: number, 
/**
 * Every blob in the store.
 */
total: number, 
/**
 * Bytes that more than one image uses.
 */
shared: number, 
/**
 * Bytes only one image uses.
 */
unique: number, 
/**
 * Bytes no image uses (prune removes them).
 */
unused: number, 
/**
 * What prune and removing every image no container uses would free.
 */
reclaimable: number, };

export type ImagesOverview = { rows: Array<ImageRow>, usage: DiskSummary, };

export type ImageInfo = { reference: string, names: Array<string>, 
/**
 * The config digest (docker's image ID).
 */
id: string, manifest_digest: string, media_type: string, index_digest: string | null, platforms: Array<string>, 
/**
 * `os/arch[/variant]` of this image.
 */
platform: string, created: string | null, author: string | null, env: Array<string>, entrypoint: Array<string>, cmd: Array<string>, working_dir: string | null, user: string | null, 
/**
 * Sorted by key.
 */
labels: Array<[string, string]>, exposed_ports: Array<string>, volumes: Array<string>, layers: number, size: number, };

export type HistoryRow = { created: string | null, created_by: string | null, comment: string | null, empty_layer: boolean, layer: string | null, 
/**
 * Unpacked when known (what docker shows), else as stored.
 */
size: number, };

export type EntryKind = "file" | "dir" | "symlink" | "hardlink" | "chardevice" | "blockdevice" | "fifo";

export type ChangeRow = { path: string, change: "added" | "changed" | "whitedout" | "opaque", 
/**
 * For a whiteout, what it deleted (`null` when nothing was there).
 */
kind: EntryKind | null, size: number, };

export type LayerView = { 
/**
 * 0 = bottom.
 */
index: number, digest: string, diff_id: string | null, media_type: string, 
/**
 * Bytes as stored.
 */
size: number, 
/**
 * The history step that made it.
 */
created_by: string | null, added: number, changed: number, 
/**
 * Whiteouts: paths of lower layers deleted.
 */
deleted: number, 
/**
 * Opaque directories: lower contents hidden.
 */
opaque: number, 
/**
 * The first [`MAX_CHANGES`] changes, in tar order.
 */
changes: Array<ChangeRow>, 
/**
 * Changes not listed.
 */
more: number, };

export type Removal = { kind: "whiteout" | "opaque", layer: number, 
/**
 * Paths of lower layers it hid.
 */
paths: number, };

export type FileEntry = { name: string, 
/**
 * From the root, without a leading `/`.
 */
path: string, 
/**
 * `null` for a deleted entry.
 */
kind: EntryKind | null, size: number, mode: number, 
/**
 * The layer it comes from; `null` for a deleted entry.
 */
layer: number | null, link_target: string | null, 
/**
 * Set when a whiteout deleted it: the entry is gone from the merged view.
 */
removed: Removal | null, 
/**
 * Set when the directory is opaque: lower layers' contents are hidden.
 */
opaque: Removal | null, };

export type FileListing = { layer_count: number, 
/**
 * The top layer merged (0 = bottom).
 */
layer: number, dir: string, 
/**
 * Folders first, then by name; deleted entries among them.
 */
entries: Array<FileEntry>, };

export type DiveScore = { 
/**
 * 0..=1; dive's `--ci` fails below `lowestEfficiency` (0.9 by default).
 */
efficiency: number, wasted_bytes: number, 
/**
 * Wasted bytes ÷ the bytes of every layer above the first (0 when there are none).
 */
user_wasted_percent: number, 
/**
 * Σ of every version of every path: the score's denominator.
 */
version_bytes: number, 
/**
 * Σ of each path's smallest version: the score's numerator.
 */
minimum_bytes: number, };

export type LayerUse = { index: number, digest: string, created_by: string | null, 
/**
 * File content bytes in the layer's tar (dive's layer size).
 */
bytes: number, visible_bytes: number, hidden_bytes: number, 
/**
 * Hidden because a later entry replaced them.
 */
overwritten_bytes: number, 
/**
 * Hidden because a later layer deleted them.
 */
deleted_bytes: number, 
/**
 * Regular files in the layer.
 */
files: number, };

export type WastedPath = { 
/**
 * From the root, with a leading `/`.
 */
path: string, 
/**
 * All its versions together (dive's cumulative size).
 */
bytes: number, 
/**
 * The layers holding a version, bottom first (a whiteout is a version).
 */
layers: Array<number>, };

export type HiddenPath = { path: string, bytes: number, 
/**
 * The layers storing the hidden versions, bottom first.
 */
layers: Array<number>, 
/**
 * Still in the final image (overwritten), or gone (deleted).
 */
visible: boolean, };

export type Why = "overwritten" | "deleted";

export type HiddenVersion = { path: string, size: number, 
/**
 * The layer that stores it.
 */
layer: number, 
/**
 * The layer that hid it.
 */
hidden_by: number, why: Why, };

export type LargeFile = { path: string, size: number, layer: number, };

export type Analysis = { manifest: string, dive: DiveScore, 
/**
 * File content bytes stored in all layers.
 */
stored_bytes: number, 
/**
 * Of those, what the final image shows.
 */
visible_bytes: number, 
/**
 * Of those, what no one can see: overwritten or deleted by a later layer.
 */
hidden_bytes: number, 
/**
 * Bottom first.
 */
layers: Array<LayerUse>, 
/**
 * dive's inefficient paths (two versions or more), most bytes first.
 */
wasted: Array<WastedPath>, wasted_count: number, 
/**
 * Paths with hidden bytes, most first.
 */
hidden: Array<HiddenPath>, hidden_count: number, 
/**
 * Files a layer added and a later layer deleted, largest first.
 */
deleted: Array<HiddenVersion>, deleted_count: number, 
/**
 * The largest files of the final image.
 */
largest: Array<LargeFile>, };

export type Side = { reference: string, id: string, manifest: string, layers: number, };

export type SharedLayer = { digest: string, a: number, b: number, size: number, };

export type LayerRef = { index: number, digest: string, size: number, };

export type LayerComparison = { 
/**
 * Layers both hold, with their index in each.
 */
shared: Array<SharedLayer>, 
/**
 * Stored bytes of the shared layers: kept once in the store.
 */
shared_bytes: number, 
/**
 * How many bottom layers the two have in common, in the same order (a common base).
 */
common_base: number, only_a: Array<LayerRef>, only_b: Array<LayerRef>, };

export type FileChange = "added" | "removed" | "changed";

export type FileSide = { kind: EntryKind, size: number, mode: number, uid: number, gid: number, target?: string, 
/**
 * The layer it comes from.
 */
layer: number, };

export type FileDiff = { 
/**
 * From the root, with a leading `/`.
 */
path: string, change: FileChange, 
/**
 * For a changed path, what differs: `kind`, `size`, `content`, `mode`, `owner`, `target`.
 */
what: string[], a: FileSide | null, b: FileSide | null, };

export type ConfigDiff = { 
/**
 * `env`, `entrypoint`, `cmd`, `working_dir`, `user`, `labels`, `exposed_ports`,
 * `volumes`, `stop_signal`.
 */
field: string, 
/**
 * The variable, label, port or volume, for the fields that are lists or maps.
 */
key?: string, a: string | null, b: string | null, };

export type Comparison = { a: Side, b: Side, 
/**
 * The same manifest: nothing differs.
 */
identical: boolean, layers: LayerComparison, 
/**
 * Paths that differ, in path order.
 */
files: Array<FileDiff>, added: number, removed: number, changed: number, config: Array<ConfigDiff>, };

export type OsRelease = { 
/**
 * `ID`: `debian`, `alpine`, `ubuntu`.
 */
id: string, 
/**
 * `VERSION_ID`: `12`, `3.19.1`.
 */
version_id: string | null, pretty_name: string | null, };

export type Manager = "dpkg" | "apk" | "rpm";

export type Database = { manager: Manager, 
/**
 * From the root, with a leading `/`.
 */
path: string, 
/**
 * Whether its packages are listed.
 */
read: boolean, packages: number, 
/**
 * Why it was not read (or not read whole).
 */
note?: string, };

export type Package = { name: string, version: string, architecture?: string, 
/**
 * The source package (dpkg `Source:`, apk `o:`, the name of rpm's source rpm), when
 * the database names one.
 */
source?: string, 
/**
 * The license the package declares (apk `L:`, rpm `LICENSE`; dpkg's status file has
 * none), as written there: not always an SPDX expression.
 */
license?: string, manager: Manager, 
/**
 * Its package URL: `pkg:deb/debian/bash@5.2.15-2?arch=amd64&distro=debian-12`.
 */
purl: string, };

export type Packages = { 
/**
 * The image as named in the store.
 */
reference: string, id: string, 
/**
 * The image manifest read (the platform's, for a multi-platform image).
 */
manifest: string, 
/**
 * `os/arch[/variant]`.
 */
platform: string, os: OsRelease | null, 
/**
 * Every package database found, read or not.
 */
databases: Array<Database>, 
/**
 * By name, then version.
 */
packages: Array<Package>, };

export type SbomFormat = "cyclonedx" | "spdx";

export type Freshness = "up_to_date" | "update_available" | "cannot_check";

export type OutdatedImage = { 
/**
 * The full reference: `127.0.0.1:5000/team/app:1`.
 */
name: string, 
/**
 * The digest the local name points at.
 */
local: string, state: Freshness, 
/**
 * What the tag names on the registry, when it was asked.
 */
remote?: string, problem?: Problem, };

export type ArchiveFormat = "docker-archive" | "oci-archive";

export type CheckedReference = { 
/**
 * `docker.io/library/nginx:latest`.
 */
full: string, 
/**
 * `nginx:latest`.
 */
familiar: string, };

export type RemoveResult = { 
/**
 * Names removed, as people write them.
 */
untagged: Array<string>, 
/**
 * The image itself went (no name is left for it).
 */
image_removed: boolean, bytes_freed: number, };

export type PruneResult = { images_removed: number, blobs_removed: number, bytes_freed: number, };

export type HostPath = { "kind": "chosen", token: string, } | { "kind": "typed", path: string, };

export type PickedPath = { 
/**
 * Opaque; pass it back as `{ kind: "chosen", token }`.
 */
token: string, 
/**
 * The file or folder name, for display.
 */
name: string, 
/**
 * The whole path, for display only: no command takes it back as a path.
 */
display: string, };

export type DropEvent = { "type": "enter" } | { "type": "drop", files: Array<PickedPath>, } | { "type": "leave" };

export type EngineKind = "podman" | "docker";

export type EngineInfo = { kind: EngineKind, 
/**
 * Whether it is there.
 */
found: boolean, 
/**
 * Whether Strata can send to it and import from it.
 */
usable: boolean, 
/**
 * Its version, when found.
 */
version?: string, 
/**
 * Where it was looked for, or why it cannot be used.
 */
detail: string, };

export type EngineImage = { 
/**
 * The image ID (the config's digest, hex).
 */
id: string, 
/**
 * Its names (`localhost/app:1`); empty for an unnamed image.
 */
names: Array<string>, size: number, 
/**
 * Seconds since the epoch.
 */
created: number, };

export type TaskKind = "import" | "export" | "pull" | "push" | "copy" | "create" | "commit";

export type UnitKind = "config" | "layer" | "manifest" | "blob" | "archive" | "folder" | "compress";

export type UnitState = "waiting" | "skipped" | "mounted" | "transferring" | "verifying" | "done";

export type Unit = { 
/**
 * A blob's digest (`sha256:…`), or the path of an archive or folder.
 */
id: string, kind: UnitKind, 
/**
 * Bytes moved so far (compressed bytes for a blob).
 */
done: number, 
/**
 * Bytes in all, when known.
 */
total: number | null, state: UnitState, 
/**
 * Over the last report interval; 0 when not transferring.
 */
bytes_per_second: number, 
/**
 * The unit this one was read out of (a blob of an imported archive): shown, and not
 * counted again in the task's total.
 */
within: string | null, };

export type TaskState = "running" | "done" | "failed" | "cancelled";

export type Compression = "none" | "gzip" | "zstd";

export type LayersCompressed = { layers: number, compression: Compression, level: number, 
/**
 * The level was chosen for a registry nearby ([`LayerCompression::nearby`]).
 */
nearby: boolean, };

export type TaskInfo = { id: number, kind: TaskKind, 
/**
 * What the task works on: the archive imported, the image exported.
 */
subject: string, 
/**
 * Where the result goes (the file an export writes), when that differs.
 */
target: string | null, state: TaskState, 
/**
 * Bytes done so far: what need not move counts as moved, and a unit read out of
 * another is not counted again.
 */
done: number, 
/**
 * Bytes in all, when known: the size the shell declared, else the units' sizes.
 */
total: number | null, 
/**
 * Start time, milliseconds since the Unix epoch.
 */
started_ms: number, 
/**
 * What came out, for a finished task: the image names imported, the file written.
 */
outcome: Array<string>, 
/**
 * Why it failed.
 */
problem: Problem | null, 
/**
 * Its units (blobs, layers, archives), in the order they first reported.
 */
units: Array<Unit>, 
/**
 * The whole task's speed just now: the sum over its units that are moving.
 */
bytes_per_second: number, 
/**
 * The manifest digest a finished pull wrote, or a push or copy left on the registry.
 */
digest: string | null, 
/**
 * The layers a finished push compressed itself, and how (`None`: it sent every
 * layer as the store held it).
 */
compressed: LayersCompressed | null, };

export type TaskEvent = { "type": "update", task: TaskInfo, } | { "type": "removed", ids: Array<number>, };

export type PushTarget = { 
/**
 * What the user calls it.
 */
name: string, 
/**
 * The host references use: `registry.cn-hangzhou.aliyuncs.com`, `127.0.0.1:5000`.
 */
endpoint: string, 
/**
 * `acr_personal`, `acr_enterprise`, `docker_hub`, `ghcr`, `harbor`, `quay`, `generic`.
 */
provider: string, 
/**
 * Namespaces known on it (of the repositories below, or the account name where the
 * provider's namespace is the user's), sorted.
 */
namespaces: Array<string>, 
/**
 * Repositories known on it, full paths (`team/app`), sorted: saved by hand, or the
 * name of a local image.
 */
repositories: Array<string>, };

export type Provider = "acr_personal" | "acr_enterprise" | "docker_hub" | "ghcr" | "harbor" | "quay" | "generic";

export type ApiField = "region" | "instance" | "endpoint" | "access_key";

export type Preset = { provider: Provider, 
/**
 * `Alibaba Cloud ACR (Personal)`.
 */
label: string, 
/**
 * The endpoint to pre-fill (`{region}` to be replaced), empty when there is none.
 */
endpoint_template: string, 
/**
 * Regions to choose from (ACR only).
 */
regions: Array<string>, 
/**
 * Whether the registry is expected to answer `/v2/_catalog`.
 */
lists_repositories: boolean, 
/**
 * Whether it has a VPC (internal network) endpoint.
 */
has_vpc_endpoint: boolean, 
/**
 * What to type as the username.
 */
username_hint: string, 
/**
 * The management API's settings the form asks for; empty when Strata speaks no
 * management API of this provider (then the catalog and hand-added repositories).
 */
api_fields: Array<ApiField>, };

export type ApiSettings = { 
/**
 * ACR: the region, `cn-hangzhou`.
 */
region?: string, 
/**
 * ACR Enterprise: the instance ID, `cri-…`.
 */
instance?: string, 
/**
 * The API's base URL when not the provider's default (a VPC endpoint, a proxy, a
 * server on loopback): `https://cr-vpc.cn-hangzhou.aliyuncs.com`, `http://127.0.0.1:8080`.
 */
endpoint?: string, 
/**
 * ACR: the AccessKey ID in use (its secret is in the keychain), the named cloud
 * account's when [`ApiSettings::account`] is set.
 */
access_key_id?: string, 
/**
 * ACR: the named cloud account whose AccessKey this registry uses
 * ([`accounts`]); several registries may name the same one.
 */
account?: string, 
/**
 * The temporary registry login's expiry (Unix ms), when one was fetched.
 */
login_expires_ms?: number, };

export type SavedRegistry = { 
/**
 * The registry as references name it: `registry.cn-hangzhou.aliyuncs.com`,
 * `docker.io`, `127.0.0.1:5000`. The key that `accounts.json` uses too.
 */
endpoint: string, 
/**
 * What the user calls it; the endpoint when not given.
 */
name: string, provider: Provider, 
/**
 * The account to prefer: a username of this registry in `accounts.json`, or the
 * name to pre-fill at login. Never a password.
 */
username?: string, 
/**
 * Plain HTTP or an unverified certificate allowed (a registry on this machine may
 * always use HTTP).
 */
insecure: boolean, 
/**
 * A PEM file with extra CA certificates trusted for this registry.
 */
ca_file?: string, 
/**
 * Repositories added by hand (full paths: `team/app`), shown beside the catalog's.
 */
repositories?: Array<string>, 
/**
 * How to reach the provider's management API (ACR region, instance, AccessKey ID),
 * when the registry has one and it was set up (`catalog::manage`). Never a secret.
 */
api?: ApiSettings, };

export type SecretKind = "password" | "identity_token";

export type Account = { 
/**
 * The registry as references name it: `docker.io`, `127.0.0.1:5000`.
 */
registry: string, username: string, 
/**
 * Only for repositories under this namespace (`team` covers `team/app` and
 * `team/sub/app`); `None`: any repository.
 */
namespace?: string, 
/**
 * The account used when no namespace scope matches. One per registry at most.
 */
default: boolean, kind: SecretKind, };

export type RegistryView = { 
/**
 * The accounts of `accounts.json` for this endpoint (usernames, never secrets).
 */
accounts: Array<Account>, 
/**
 * The username push scripts and logins use: the saved one, else the default account.
 */
effective_username?: string, 
/**
 * Whether the registry is expected to list its repositories.
 */
lists_repositories: boolean, 
/**
 * Whether its registry login comes from its management API (an AccessKey is saved):
 * logging in needs no password.
 */
api_login: boolean, 
/**
 * The registry as references name it: `registry.cn-hangzhou.aliyuncs.com`,
 * `docker.io`, `127.0.0.1:5000`. The key that `accounts.json` uses too.
 */
endpoint: string, 
/**
 * What the user calls it; the endpoint when not given.
 */
name: string, provider: Provider, 
/**
 * The account to prefer: a username of this registry in `accounts.json`, or the
 * name to pre-fill at login. Never a password.
 */
username?: string, 
/**
 * Plain HTTP or an unverified certificate allowed (a registry on this machine may
 * always use HTTP).
 */
insecure: boolean, 
/**
 * A PEM file with extra CA certificates trusted for this registry.
 */
ca_file?: string, 
/**
 * Repositories added by hand (full paths: `team/app`), shown beside the catalog's.
 */
repositories?: Array<string>, 
/**
 * How to reach the provider's management API (ACR region, instance, AccessKey ID),
 * when the registry has one and it was set up (`catalog::manage`). Never a secret.
 */
api?: ApiSettings, };

export type CloudProvider = "aliyun";

export type CloudAccount = { 
/**
 * What the user calls it: `prod`, `team-hz`.
 */
name: string, provider: CloudProvider, 
/**
 * The AccessKey ID (not a secret): `LTAI…`.
 */
access_key_id: string, 
/**
 * An STS token is kept with the secret (a temporary pair).
 */
sts: boolean, created: string, 
/**
 * The registry `cloud-login` made this account for (it was named after it): removed
 * with that registry when no other registry uses it. `None`: added by name, kept
 * until removed.
 */
made_for?: string, };

export type CloudAccountView = { 
/**
 * The names of the saved registries that use it.
 */
registries: Array<string>, 
/**
 * What the user calls it: `prod`, `team-hz`.
 */
name: string, provider: CloudProvider, 
/**
 * The AccessKey ID (not a secret): `LTAI…`.
 */
access_key_id: string, 
/**
 * An STS token is kept with the secret (a temporary pair).
 */
sts: boolean, created: string, 
/**
 * The registry `cloud-login` made this account for (it was named after it): removed
 * with that registry when no other registry uses it. `None`: added by name, kept
 * until removed.
 */
made_for?: string, };

export type AcrInstance = { id: string, name: string, status: string, 
/**
 * Registry domains of the internet endpoint.
 */
internet: Array<string>, 
/**
 * Registry domains of the VPC endpoint.
 */
vpc: Array<string>, };

export type ApiForm = { region: string, instance: string, endpoint: string, 
/**
 * A saved cloud account to use; blank: the AccessKey typed below, saved as a new
 * account named [`ApiForm::account_name`].
 */
account: string, 
/**
 * The name of the new cloud account; blank: the registry's name.
 */
account_name: string, access_key_id: string, 
/**
 * Wrapped in [`Sensitive`] as soon as it is read; goes to the keychain only.
 */
access_key_secret: string, };

export type NewRegistryForm = { endpoint: string, name: string | null, provider: Provider, username: string | null, insecure: boolean, 
/**
 * A PEM file with extra CA certificates: chosen with Browse… or typed in the field
 * ([`host_path::REGISTRY_CA`]).
 */
ca_file: HostPath | null, 
/**
 * The management API's settings the provider's preset asks for (`api_fields`).
 */
api: ApiForm | null, };

export type Capabilities = { create_namespace: boolean, delete_namespace: boolean, create_repository: boolean, delete_repository: boolean, temporary_login: boolean, };

export type ManagedNamespace = { name: string, 
/**
 * Whether new repositories (Harbor: the project) are public; `None` when not told.
 */
public?: boolean, 
/**
 * ACR: a push to an unknown repository creates it.
 */
auto_create?: boolean, };

export type ManagedRepository = { namespace: string, 
/**
 * Without the namespace: `app`.
 */
name: string, summary: string, public: boolean, 
/**
 * The long description, when the provider gave it (ACR's `detail`).
 */
detail?: string, 
/**
 * The provider's ID (ACR Enterprise `crr-…`), when it has one.
 */
id?: string, created?: string, modified?: string, };

export type NewRepositoryForm = { namespace: string, name: string, summary: string, detail: string, public: boolean, };

export type MissingRepository = { registry: string, namespace: string, name: string, };

export type Source = "catalog" | "manual" | "both" | "api";

export type RepositoryEntry = { 
/**
 * The full path: `team/app`.
 */
name: string, source: Source, 
/**
 * The provider's one-line description (management API only).
 */
summary?: string, 
/**
 * Whether anyone may pull it (management API only).
 */
public?: boolean, };

export type Namespace = { 
/**
 * `team`, or [`ROOT_NAMESPACE`].
 */
name: string, repositories: Array<RepositoryEntry>, 
/**
 * Whether its new repositories are public (management API only, when told).
 */
public?: boolean, };

export type CatalogState = { "state": "listed", pages: number, } | { "state": "truncated", pages: number, } | { "state": "unavailable", reason: string, hint: Hint, } | { "state": "skipped" } | { "state": "api" };

export type RepositoryTree = { registry: string, catalog: CatalogState, namespaces: Array<Namespace>, 
/**
 * What the management API can do, when the tree came from one: the UI offers New
 * namespace…, New repository… and Delete accordingly.
 */
api?: Capabilities, };

export type TagDetails = { tag: string, digest: string, media_type: string, 
/**
 * Whether the tag names a multi-platform index.
 */
index: boolean, 
/**
 * Compressed bytes: config + layers (for an index, of every image in it).
 */
size: number, 
/**
 * `linux/amd64`, `linux/arm64/v8`; attestation entries (`unknown/unknown`) left out.
 */
platforms: Array<string>, 
/**
 * The image's `created` time (RFC 3339), from its config; for an index, of the image
 * for this machine's platform, else the first.
 */
created?: string, };

export type TagPage = { tags: Array<string>, 
/**
 * The query of the next page (`n=1000&last=v9`), as the registry's `Link` header
 * gives it; `None` at the end. Handed back to [`page`] as it is.
 */
next: string | null, };

export type Retagged = { source: string, target: string, digest: string, media_type: string, };

export type DeletePlan = { reference: string, repository: string, digest: string, 
/**
 * Other tags naming the same digest: they go too.
 */
also_removed: Array<string>, };

export type ScriptTool = "docker" | "strata";

export type ScriptStep = { 
/**
 * `login`, `pull`, `push`: the app's i18n key.
 */
key: string, 
/**
 * The English title.
 */
title: string, commands: Array<string>, };

export type PushScript = { 
/**
 * The endpoint the commands use (the VPC one when asked and available).
 */
endpoint: string, 
/**
 * The VPC endpoint, when the provider has one (for the app's switch).
 */
vpc_endpoint?: string, steps: Array<ScriptStep>, 
/**
 * Notes under the script (VPC advice, where the password comes from).
 */
notes: Array<string>, };

export type ContainerRow = { id: string, 
/**
 * The first 12 hex digits of the ID.
 */
short_id: string, name: string, 
/**
 * The image as it was named at create time, familiar (`busybox:latest`).
 */
image: string, 
/**
 * The full image name, to open its page.
 */
image_reference: string, 
/**
 * RFC 3339.
 */
created: string, 
/**
 * `overlay` or `baseline`.
 */
mode: string, 
/**
 * Bytes of the files the container added or changed (its writable layer); `null` in
 * the list, which answers before anything is counted (see [`list_containers`]).
 */
size: number | null, 
/**
 * Paths added, changed or deleted; `null` in the list, as `size`.
 */
changes: number | null, };

export type FileRow = { name: string, 
/**
 * As the container sees it: `/etc/motd`.
 */
path: string, 
/**
 * `file`, `dir`, `symlink`, `char`, `block`, `fifo`, `socket`.
 */
kind: string, size: number, 
/**
 * Permission bits.
 */
mode: number, mtime: number, link_target: string | null, 
/**
 * `A`, `C` or `D` against the image; `null` when unchanged.
 */
change: "A" | "C" | "D" | null, 
/**
 * A folder with changed paths inside.
 */
changed_inside: boolean, };

export type ContainerListing = { 
/**
 * The folder, normalised (`/`, `/etc`).
 */
dir: string, 
/**
 * Its entries sorted by name, then the deleted ones.
 */
entries: Array<FileRow>, };

export type DiffRow = { path: string, change: "A" | "C" | "D", kind: string, 
/**
 * File content bytes (what a deleted file had).
 */
size: number, };

export type TextFile = { path: string, text: string, 
/**
 * Permission bits, kept when the file is saved.
 */
mode: number, };

export type CommitPreview = { changes: Array<DiffRow>, 
/**
 * Bytes of file content the layer will hold (before compression).
 */
bytes: number, 
/**
 * The base image's layers, shared by digest with the new image.
 */
base_layers: number, 
/**
 * The image the container was made from.
 */
image: string, };

export type CommitRequest = { 
/**
 * `repository:tag`.
 */
reference: string, message: string | null, author: string | null, 
/**
 * Dockerfile-style changes, one per entry (`CMD ["sh"]`, `ENV A=b`).
 */
changes: Array<string>, };

export type TerminalEvent = { "type": "output", data: string, } | { "type": "exit", code: number, };
