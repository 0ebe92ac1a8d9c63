//! The OS packages installed in an image, read from its package databases in the merged
//! view, without running the image: dpkg (`/var/lib/dpkg/status`, and the one-file-per-package
//! `/var/lib/dpkg/status.d/` of distroless images), apk (`/lib/apk/db/installed`), rpm
//! (sqlite `rpmdb.sqlite` under `/usr/lib/sysimage/rpm` or `/var/lib/rpm`, with its
//! write-ahead log; else the ndb `Packages.db` of SUSE; else Berkeley DB's
//! `/var/lib/rpm/Packages`: see `rpmdb`), and the OS from `/etc/os-release`. A
//! database that could not be read is listed with the reason.
//!
//! Layers are hostile input: the database files are read as tar entries of the layer that
//! holds them (each layer read once), each with a size cap; dpkg's and apk's are parsed as
//! text, rpm's by bounds-checked readers that refuse what does not hold with a note.
//! [`cyclonedx`] and [`spdx`] turn the result into an SBOM: [CycloneDX 1.5] or [SPDX 2.3]
//! JSON, each package named by its [purl].
//!
//! [CycloneDX 1.5]: https://cyclonedx.org/docs/1.5/json/
//! [SPDX 2.3]: https://spdx.github.io/spdx-spec/v2.3/
//! [purl]: https://github.com/package-url/purl-spec/blob/master/PURL-TYPES.rst

use std::collections::{BTreeMap, HashMap};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};

use crate::image::files::{FilesError, ImageFiles};
use crate::image::inspect::{self, InspectOptions};
use crate::image::{ExportFormat, ExportOptions, ImageError};
use crate::layer::{decompress, Kind, LayerError, Limits, MergedTree};
use crate::platform::Platform;
use crate::store::Store;

use super::rpmdb;

/// `/var/lib/dpkg/status` larger than this is not read (a full desktop's is about 5 MiB).
const STATUS_MAX: u64 = 32 << 20;
/// Any other file read: one `status.d` entry, `os-release`.
const SMALL_MAX: u64 = 1 << 20;
/// `status.d` entries read at most.
const STATUS_D_MAX: usize = 10_000;
/// An rpm database (or its write-ahead log) larger than this is not read (a Fedora
/// workstation's `rpmdb.sqlite` is about 100 MiB, a container's a few MiB).
const RPM_MAX: u64 = 256 << 20;

/// rpm's databases, in the order rpm looks for its backends: sqlite (where Fedora 36 and
/// later keep it, and where older ones did), ndb (SUSE), then Berkeley DB's `Packages`.
const RPM_DATABASES: [(&str, RpmFormat); 5] = [
    ("usr/lib/sysimage/rpm/rpmdb.sqlite", RpmFormat::Sqlite),
    ("var/lib/rpm/rpmdb.sqlite", RpmFormat::Sqlite),
    ("usr/lib/sysimage/rpm/Packages.db", RpmFormat::Ndb),
    ("var/lib/rpm/Packages.db", RpmFormat::Ndb),
    ("var/lib/rpm/Packages", RpmFormat::Bdb),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RpmFormat {
    Sqlite,
    Bdb,
    Ndb,
}

/// What an image has installed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Packages {
    /// The image as named in the store.
    pub reference: String,
    pub id: String,
    /// The image manifest read (the platform's, for a multi-platform image).
    pub manifest: String,
    /// `os/arch[/variant]`.
    pub platform: String,
    pub os: Option<OsRelease>,
    /// Every package database found, read or not.
    pub databases: Vec<Database>,
    /// By name, then version.
    pub packages: Vec<Package>,
}

/// `/etc/os-release` (or `/usr/lib/os-release`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OsRelease {
    /// `ID`: `debian`, `alpine`, `ubuntu`.
    pub id: String,
    /// `VERSION_ID`: `12`, `3.19.1`.
    pub version_id: Option<String>,
    pub pretty_name: Option<String>,
}

/// Which package manager a package or database belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Manager {
    Dpkg,
    Apk,
    Rpm,
}

/// A package database in the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Database {
    pub manager: Manager,
    /// From the root, with a leading `/`.
    pub path: String,
    /// Whether its packages are listed.
    pub read: bool,
    pub packages: usize,
    /// Why it was not read (or not read whole).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<String>,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Package {
    pub name: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub architecture: Option<String>,
    /// The source package (dpkg `Source:`, apk `o:`, the name of rpm's source rpm), when
    /// the database names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub source: Option<String>,
    /// The license the package declares (apk `L:`, rpm `LICENSE`; dpkg's status file has
    /// none), as written there: not always an SPDX expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub license: Option<String>,
    pub manager: Manager,
    /// Its package URL: `pkg:deb/debian/bash@5.2.15-2?arch=amd64&distro=debian-12`.
    pub purl: String,
}

/// Reads the packages of `name_or_id` (for `platform`, this machine's by default).
pub fn packages(
    store: &Store,
    name_or_id: &str,
    platform: Option<&Platform>,
) -> Result<Packages, FilesError> {
    let opts = InspectOptions {
        platform: platform.cloned(),
        ..InspectOptions::default()
    };
    let details = inspect::inspect(store, name_or_id, &opts)?;
    let image = ImageFiles::open(store, name_or_id, platform)?;
    let tree = image.tree(store, image.layers.len())?;
    let open = |layer: usize| -> Result<_, FilesError> {
        let blob = store.open_blob(&image.layers[layer].digest)?;
        Ok(BufReader::with_capacity(1 << 20, blob))
    };
    let found = read_databases(&tree, open, &image.limits)?;
    Ok(Packages {
        reference: details.reference,
        id: details.id.to_string(),
        manifest: image.manifest.to_string(),
        platform: details.platform.to_string(),
        os: found.os,
        databases: found.databases,
        packages: found.packages,
    })
}

/// What the databases of a merged tree say.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub os: Option<OsRelease>,
    pub databases: Vec<Database>,
    pub packages: Vec<Package>,
}

/// A file the reader wants: where its bytes are, and its cap.
struct Wanted {
    path: PathBuf,
    content: (usize, u64),
    cap: u64,
}

/// Finds and parses the databases of `tree`; `open(i)` opens layer `i`'s blob.
pub(crate) fn read_databases<R: Read>(
    tree: &MergedTree,
    mut open: impl FnMut(usize) -> Result<R, FilesError>,
    limits: &Limits,
) -> Result<Found, FilesError> {
    let mut found = Found::default();
    let mut wanted = Vec::new();
    // A file to read, or a note saying why not.
    let mut want = |path: &str, cap: u64, notes: &mut Vec<(String, String)>| -> bool {
        let Ok(real) = tree.resolve(path) else {
            return false;
        };
        let Some(node) = tree.get(&real) else {
            return false;
        };
        match (node.kind, node.content) {
            (Kind::File | Kind::Hardlink, Some(content)) if node.size <= cap => {
                wanted.push(Wanted {
                    path: real,
                    content,
                    cap,
                });
                true
            }
            (Kind::File | Kind::Hardlink, Some(_)) => {
                notes.push((
                    format!("/{path}"),
                    format!(
                        "{} bytes, more than the {} MiB read at most",
                        node.size,
                        cap >> 20
                    ),
                ));
                false
            }
            _ => false,
        }
    };
    let mut notes = Vec::new();
    let os_path = ["etc/os-release", "usr/lib/os-release"]
        .into_iter()
        .find(|p| want(p, SMALL_MAX, &mut notes));
    let status = want("var/lib/dpkg/status", STATUS_MAX, &mut notes);
    let apk = want("lib/apk/db/installed", STATUS_MAX, &mut notes);
    let mut status_d = Vec::new();
    if let Ok(dir) = tree.resolve("var/lib/dpkg/status.d") {
        let names: Vec<String> = tree
            .list(&dir)
            .into_iter()
            .filter(|(_, n)| matches!(n.kind, Kind::File | Kind::Hardlink))
            .map(|(p, _)| p.display().to_string())
            // distroless keeps each package's file list beside it.
            .filter(|p| !p.ends_with(".md5sums"))
            .take(STATUS_D_MAX)
            .collect();
        for name in names {
            if want(&name, SMALL_MAX, &mut notes) {
                status_d.push(name);
            }
        }
    }

    // rpm's databases found, each file once (`/var/lib/rpm` is often a link to
    // `/usr/lib/sysimage/rpm`), and the ones wanted with their write-ahead logs.
    let mut rpm_found: Vec<(&str, RpmFormat, PathBuf, bool)> = Vec::new();
    for (path, format) in RPM_DATABASES {
        let Ok(real) = tree.resolve(path) else {
            continue;
        };
        let is_file = tree
            .get(&real)
            .is_some_and(|n| matches!(n.kind, Kind::File | Kind::Hardlink));
        if !is_file || rpm_found.iter().any(|f| f.2 == real) {
            continue;
        }
        let wanted_now = want(path, RPM_MAX, &mut notes);
        if wanted_now && format == RpmFormat::Sqlite {
            want(&format!("{path}-wal"), RPM_MAX, &mut notes);
        }
        rpm_found.push((path, format, real, wanted_now));
    }

    let contents = read_entries(&wanted, &mut open, limits)?;
    let text = |path: &str| -> Option<String> {
        let real = tree.resolve(path).ok()?;
        contents
            .get(&real)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };

    found.os = os_path.and_then(&text).and_then(|t| parse_os_release(&t));
    let os = found.os.clone();
    let mut add = |manager: Manager, path: &str, list: Vec<Package>| {
        found.databases.push(Database {
            manager,
            path: format!("/{path}"),
            read: true,
            packages: list.len(),
            note: None,
        });
        found.packages.extend(list);
    };
    if status {
        let list = parse_dpkg(&text("var/lib/dpkg/status").unwrap_or_default(), true);
        add(Manager::Dpkg, "var/lib/dpkg/status", list);
    }
    if !status_d.is_empty() {
        let list = status_d
            .iter()
            .flat_map(|p| parse_dpkg(&text(p).unwrap_or_default(), false))
            .collect();
        add(Manager::Dpkg, "var/lib/dpkg/status.d", list);
    }
    if apk {
        let list = parse_apk(&text("lib/apk/db/installed").unwrap_or_default());
        add(Manager::Apk, "lib/apk/db/installed", list);
    }
    let mut rpm_read: Option<&str> = None;
    for (path, format, real, wanted_now) in &rpm_found {
        if !wanted_now {
            continue;
        }
        if let Some(first) = rpm_read {
            notes.push((
                format!("/{path}"),
                format!("rpm uses /{first}, read instead"),
            ));
            continue;
        }
        let bytes = contents.get(real).map_or(&[][..], Vec::as_slice);
        let read = match format {
            RpmFormat::Sqlite => {
                let wal = tree
                    .resolve(format!("{path}-wal"))
                    .ok()
                    .and_then(|w| contents.get(&w));
                rpmdb::sqlite::read(bytes, wal.map(Vec::as_slice))
            }
            RpmFormat::Ndb => rpmdb::ndb::read(bytes),
            RpmFormat::Bdb => rpmdb::bdb::read(bytes),
        };
        match read {
            Ok(h) => {
                rpm_read = Some(path);
                let list: Vec<Package> = h.headers.iter().map(rpm_package).collect();
                found.databases.push(Database {
                    manager: Manager::Rpm,
                    path: format!("/{path}"),
                    read: true,
                    packages: list.len(),
                    note: h
                        .first_error
                        .map(|e| format!("{} record(s) not read, the first: {e}", h.skipped)),
                });
                found.packages.extend(list);
            }
            Err(e) => notes.push((format!("/{path}"), e.to_string())),
        }
    }
    for (path, note) in notes {
        let manager = if path.contains("/apk/") {
            Manager::Apk
        } else if path.contains("dpkg") {
            Manager::Dpkg
        } else if path.contains("/rpm/") {
            Manager::Rpm
        } else {
            continue;
        };
        found.databases.push(Database {
            manager,
            path,
            read: false,
            packages: 0,
            note: Some(note),
        });
    }
    for p in &mut found.packages {
        p.purl = purl(p, os.as_ref());
    }
    found
        .packages
        .sort_by(|a, b| (&a.name, &a.version, a.manager).cmp(&(&b.name, &b.version, b.manager)));
    found
        .packages
        .dedup_by(|a, b| a.name == b.name && a.version == b.version && a.manager == b.manager);
    Ok(found)
}

/// Reads the wanted entries, each layer once, each entry up to its size (the tree's).
fn read_entries<R: Read>(
    wanted: &[Wanted],
    open: &mut impl FnMut(usize) -> Result<R, FilesError>,
    limits: &Limits,
) -> Result<HashMap<PathBuf, Vec<u8>>, FilesError> {
    let mut by_layer: BTreeMap<usize, HashMap<u64, (&Path, u64)>> = BTreeMap::new();
    for w in wanted {
        by_layer
            .entry(w.content.0)
            .or_default()
            .insert(w.content.1, (&w.path, w.cap));
    }
    let mut out = HashMap::new();
    for (layer, entries_wanted) in by_layer {
        let mut archive = tar::Archive::new(decompress(open(layer)?, limits)?);
        let entries = archive
            .entries()
            .map_err(|e| LayerError::from_stream(e, format!("layer {layer}")))?;
        let mut left = entries_wanted.len();
        for (n, entry) in entries.enumerate() {
            if left == 0 {
                break;
            }
            let entry = entry
                .map_err(|e| LayerError::from_stream(e, format!("layer {layer}, entry {n}")))?;
            let Some((path, cap)) = entries_wanted.get(&(n as u64)) else {
                continue;
            };
            let mut bytes = Vec::new();
            // The caps were checked on the tree's sizes; `take` holds to them whatever
            // the entry claims.
            entry
                .take(*cap)
                .read_to_end(&mut bytes)
                .map_err(|e| LayerError::from_stream(e, format!("layer {layer}, entry {n}")))?;
            out.insert(path.to_path_buf(), bytes);
            left -= 1;
        }
    }
    Ok(out)
}

/// `KEY=value` lines, values optionally quoted.
pub(crate) fn parse_os_release(text: &str) -> Option<OsRelease> {
    let mut values = HashMap::new();
    for line in text.lines() {
        let Some((k, v)) = line.trim().split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(v);
        values.insert(k.trim().to_string(), v.to_string());
    }
    Some(OsRelease {
        id: values.remove("ID").filter(|v| !v.is_empty())?,
        version_id: values.remove("VERSION_ID").filter(|v| !v.is_empty()),
        pretty_name: values.remove("PRETTY_NAME").filter(|v| !v.is_empty()),
    })
}

/// Paragraphs of `Field: value` lines (continuation lines start with a space).
fn paragraphs(text: &str) -> Vec<HashMap<String, String>> {
    let mut out = Vec::new();
    let mut cur: HashMap<String, String> = HashMap::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else if line.starts_with([' ', '\t']) {
            // A continuation line (a description, a conffiles list): no field read here.
            continue;
        } else if let Some((k, v)) = line.split_once(':') {
            cur.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A dpkg status file. With `need_status`, only `Status: install ok installed` entries
/// count (a removed package stays in the file as `deinstall ok config-files`); the
/// `status.d` files of distroless images have no `Status` field.
pub(crate) fn parse_dpkg(text: &str, need_status: bool) -> Vec<Package> {
    paragraphs(text)
        .into_iter()
        .filter(|p| {
            !need_status
                || p.get("Status").is_some_and(|s| {
                    s.split_whitespace().collect::<Vec<_>>() == ["install", "ok", "installed"]
                })
        })
        .filter_map(|mut p| {
            let name = p.remove("Package").filter(|n| !n.is_empty())?;
            let version = p.remove("Version").unwrap_or_default();
            // `Source: name (version)` when the source's version differs.
            let source = p
                .remove("Source")
                .and_then(|s| s.split_whitespace().next().map(str::to_string))
                .filter(|s| !s.is_empty());
            Some(Package {
                name,
                version,
                architecture: p.remove("Architecture").filter(|a| !a.is_empty()),
                source,
                license: None,
                manager: Manager::Dpkg,
                purl: String::new(),
            })
        })
        .collect()
}

/// apk's `installed`: records of `X:value` lines, one blank line apart.
pub(crate) fn parse_apk(text: &str) -> Vec<Package> {
    let mut out = Vec::new();
    let mut fields: HashMap<char, String> = HashMap::new();
    let mut flush = |fields: &mut HashMap<char, String>| {
        if let Some(name) = fields.remove(&'P').filter(|n| !n.is_empty()) {
            out.push(Package {
                name,
                version: fields.remove(&'V').unwrap_or_default(),
                architecture: fields.remove(&'A').filter(|a| !a.is_empty()),
                source: fields.remove(&'o').filter(|o| !o.is_empty()),
                license: fields.remove(&'L').filter(|l| !l.is_empty()),
                manager: Manager::Apk,
                purl: String::new(),
            });
        }
        fields.clear();
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut fields);
            continue;
        }
        let mut chars = line.chars();
        if let (Some(key), Some(':')) = (chars.next(), chars.next()) {
            // Files (`F:`, `R:`) repeat; only the first value of the fields read matters.
            fields
                .entry(key)
                .or_insert_with(|| chars.as_str().to_string());
        }
    }
    flush(&mut fields);
    out
}

/// A package record from an rpm header.
fn rpm_package(h: &rpmdb::Header) -> Package {
    Package {
        name: h.name.clone(),
        version: h.evr(),
        architecture: h.arch.clone(),
        source: h.source_name(),
        license: h.license.clone(),
        manager: Manager::Rpm,
        purl: String::new(),
    }
}

/// Percent-encodes all but purl's unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The package's purl: `pkg:deb/<os id>/NAME@VERSION?arch=…&distro=<id>-<version>` (type
/// `apk` for apk, `rpm` for rpm), qualifiers sorted as the spec asks; `upstream` names the
/// source package. An rpm's epoch is the `epoch` qualifier, not part of the version
/// (`pkg:rpm/fedora/curl@8.6.0-7.fc40?arch=x86_64&distro=fedora-40&epoch=1`).
fn purl(p: &Package, os: Option<&OsRelease>) -> String {
    let (kind, default_ns) = match p.manager {
        Manager::Dpkg => ("deb", "debian"),
        Manager::Apk => ("apk", "alpine"),
        Manager::Rpm => ("rpm", "redhat"),
    };
    let ns = os.map_or(default_ns, |o| o.id.as_str());
    let (epoch, version) = match p.version.split_once(':') {
        Some((e, v))
            if p.manager == Manager::Rpm
                && !e.is_empty()
                && e.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (Some(e), v)
        }
        _ => (None, p.version.as_str()),
    };
    let mut q = Vec::new();
    if let Some(a) = &p.architecture {
        q.push(format!("arch={}", encode(a)));
    }
    if let Some(o) = os {
        let distro = match &o.version_id {
            Some(v) => format!("{}-{v}", o.id),
            None => o.id.clone(),
        };
        q.push(format!("distro={}", encode(&distro)));
    }
    if let Some(e) = epoch {
        q.push(format!("epoch={e}"));
    }
    if let Some(s) = p.source.as_ref().filter(|s| **s != p.name) {
        q.push(format!("upstream={}", encode(s)));
    }
    let mut out = format!("pkg:{kind}/{}/{}", encode(ns), encode(&p.name));
    if !version.is_empty() {
        out.push('@');
        out.push_str(&encode(version));
    }
    if !q.is_empty() {
        out.push('?');
        out.push_str(&q.join("&"));
    }
    out
}

/// The SBOM formats [`sbom`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum SbomFormat {
    /// CycloneDX 1.5 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

/// The SBOM of `p` in `format`.
pub fn sbom(p: &Packages, format: SbomFormat) -> Value {
    match format {
        SbomFormat::Cyclonedx => cyclonedx(p),
        SbomFormat::Spdx => spdx(p),
    }
}

/// Writes an SBOM to `dest` (atomically, pretty JSON); an existing file is replaced only
/// with `overwrite`, a folder never.
pub fn write_sbom(doc: &Value, dest: &Path, overwrite: bool) -> Result<(), ImageError> {
    let opts = ExportOptions {
        format: ExportFormat::Oci,
        platform: None,
        overwrite,
    };
    crate::image::check_destination(dest, &opts)?;
    let mut bytes = serde_json::to_vec_pretty(doc).unwrap_or_default();
    bytes.push(b'\n');
    crate::atomic_file::write(dest, &bytes).map_err(|source| ImageError::Io {
        action: "write",
        path: dest.to_path_buf(),
        source,
    })
}

/// A random (version 4) UUID.
fn uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The image's purl: `pkg:oci/NAME@sha256%3A…?repository_url=…`.
fn image_purl(p: &Packages) -> String {
    let (repo, name) = match crate::reference::Reference::parse(&p.reference) {
        Ok(r) => (
            Some(format!("{}/{}", r.registry, r.repository)),
            r.repository
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string(),
        ),
        Err(_) => (None, p.reference.clone()),
    };
    let mut out = format!("pkg:oci/{}@{}", encode(&name), encode(&p.manifest));
    if let Some(repo) = repo {
        out.push_str(&format!("?repository_url={}", encode(&repo)));
    }
    out
}

/// A [CycloneDX 1.5](https://cyclonedx.org/docs/1.5/json/) JSON BOM: the image as the
/// BOM's subject (`metadata.component`, a container named with its manifest digest),
/// the OS and each package as components.
pub fn cyclonedx(p: &Packages) -> Value {
    let image_ref = image_purl(p);
    let mut components = Vec::new();
    if let Some(os) = &p.os {
        let mut c = json!({
            "type": "operating-system",
            "bom-ref": format!("os:{}", os.id),
            "name": os.id,
        });
        if let Some(v) = &os.version_id {
            c["version"] = json!(v);
        }
        if let Some(d) = &os.pretty_name {
            c["description"] = json!(d);
        }
        components.push(c);
    }
    for pkg in &p.packages {
        let mut properties =
            vec![json!({"name": "strata:package:manager", "value": manager_name(pkg.manager)})];
        if let Some(s) = &pkg.source {
            properties.push(json!({"name": "strata:package:source", "value": s}));
        }
        if let Some(a) = &pkg.architecture {
            properties.push(json!({"name": "strata:package:architecture", "value": a}));
        }
        let mut c = json!({
            "type": "library",
            "bom-ref": pkg.purl,
            "name": pkg.name,
            "version": pkg.version,
            "purl": pkg.purl,
            "properties": properties,
        });
        if let Some(l) = &pkg.license {
            // As the package declares it: a name, since it is not always SPDX.
            c["licenses"] = json!([{"license": {"name": l}}]);
        }
        components.push(c);
    }
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": format!("urn:uuid:{}", uuid()),
        "version": 1,
        "metadata": {
            "timestamp": now(),
            "tools": {
                "components": [{
                    "type": "application",
                    "name": "strata",
                    "version": crate::VERSION,
                }]
            },
            "component": {
                "type": "container",
                "bom-ref": image_ref,
                "name": p.reference,
                "version": p.manifest,
                "purl": image_ref,
                "hashes": [{"alg": "SHA-256", "content": p.manifest.trim_start_matches("sha256:")}],
                "properties": [
                    {"name": "strata:image:id", "value": p.id},
                    {"name": "strata:image:platform", "value": p.platform},
                ],
            },
        },
        "components": components,
    })
}

fn manager_name(m: Manager) -> &'static str {
    m.name()
}

impl Manager {
    /// `dpkg`, `apk`, `rpm`.
    pub fn name(self) -> &'static str {
        match self {
            Manager::Dpkg => "dpkg",
            Manager::Apk => "apk",
            Manager::Rpm => "rpm",
        }
    }
}

/// An SPDX id: letters, digits, `.` and `-` only.
fn spdx_id(prefix: &str, n: usize, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("SPDXRef-{prefix}-{n}-{clean}")
}

/// An [SPDX 2.3](https://spdx.github.io/spdx-spec/v2.3/) JSON document: the image as the
/// described package, containing one package per installed package, each with its purl.
pub fn spdx(p: &Packages) -> Value {
    let image_id = "SPDXRef-Image".to_string();
    let mut packages = vec![json!({
        "SPDXID": image_id,
        "name": p.reference,
        "versionInfo": p.manifest,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": "CONTAINER",
        "checksums": [{"algorithm": "SHA256", "checksumValue": p.manifest.trim_start_matches("sha256:")}],
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": image_purl(p),
        }],
    })];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": image_id,
    })];
    for (n, pkg) in p.packages.iter().enumerate() {
        let id = spdx_id("Package", n, &pkg.name);
        let mut entry = json!({
            "SPDXID": id,
            "name": pkg.name,
            "versionInfo": pkg.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "primaryPackagePurpose": "LIBRARY",
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": pkg.purl,
            }],
        });
        if let Some(l) = &pkg.license {
            // `licenseDeclared` must be an SPDX expression; rpm's `GPLv2+` is not one.
            entry["licenseComments"] = json!(format!("declared license: {l}"));
        }
        if let Some(s) = &pkg.source {
            entry["sourceInfo"] = json!(format!(
                "built from the {} package {s}",
                manager_name(pkg.manager)
            ));
        }
        packages.push(entry);
        relationships.push(json!({
            "spdxElementId": image_id,
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    }
    let name = p.reference.clone();
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("https://strata.invalid/spdx/{}-{}", encode(&name), uuid()),
        "creationInfo": {
            "created": now(),
            "creators": [format!("Tool: strata-{}", crate::VERSION)],
        },
        "packages": packages,
        "relationships": relationships,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::merged::tests::layer;

    const STATUS: &str = "\
Package: base-files
Status: install ok installed
Priority: required
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy.

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: glibc (2.36-9+deb12u4)
Version: 2.36-9+deb12u4

Package: vim-tiny
Status: deinstall ok config-files
Architecture: amd64
Version: 2:9.0.1378-2
Conffiles:
 /etc/vim/vimrc.tiny 1234

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
";

    const APK: &str = "\
C:Q1abc=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
o:musl
F:lib
R:ld-musl-x86_64.so.1

C:Q1def=
P:busybox-binsh
V:1.36.1-r15
A:x86_64
o:busybox
";

    #[test]
    fn dpkg_lists_installed_packages_only_with_their_source() {
        let got = parse_dpkg(STATUS, true);
        let names: Vec<_> = got.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["base-files", "libc6", "tzdata"]);
        assert_eq!(got[1].source.as_deref(), Some("glibc"));
        assert_eq!(got[1].version, "2.36-9+deb12u4");
        assert_eq!(got[0].source, None);
        assert_eq!(got[2].architecture.as_deref(), Some("all"));
    }

    #[test]
    fn apk_records_with_origin() {
        let got = parse_apk(APK);
        assert_eq!(got.len(), 2);
        assert_eq!(
            (
                got[1].name.as_str(),
                got[1].version.as_str(),
                got[1].source.as_deref()
            ),
            ("busybox-binsh", "1.36.1-r15", Some("busybox"))
        );
        assert_eq!(got[0].architecture.as_deref(), Some("x86_64"));
    }

    #[test]
    fn purls_encode_epochs_and_name_the_distro() {
        let os = parse_os_release(
            "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
        )
        .unwrap();
        let mut p = parse_dpkg(STATUS, false);
        let vim = p.iter_mut().find(|p| p.name == "vim-tiny").unwrap();
        assert_eq!(
            purl(vim, Some(&os)),
            "pkg:deb/debian/vim-tiny@2%3A9.0.1378-2?arch=amd64&distro=debian-12"
        );
        let libc = p.iter().find(|p| p.name == "libc6").unwrap();
        assert_eq!(
            purl(libc, Some(&os)),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
        );
    }

    #[test]
    fn rpm_purls_carry_the_epoch_as_a_qualifier() {
        let os = parse_os_release("ID=fedora\nVERSION_ID=40\n").unwrap();
        let mut p = Package {
            name: "perl-Errno".into(),
            version: "0:1.38-506.fc40".into(),
            architecture: Some("x86_64".into()),
            source: Some("perl".into()),
            license: Some("GPL-1.0-or-later OR Artistic-1.0-Perl".into()),
            manager: Manager::Rpm,
            purl: String::new(),
        };
        assert_eq!(
            purl(&p, Some(&os)),
            "pkg:rpm/fedora/perl-Errno@1.38-506.fc40?arch=x86_64&distro=fedora-40&epoch=0&upstream=perl"
        );
        p.version = "1.38-506.fc40".into();
        p.source = Some("perl-Errno".into());
        assert_eq!(
            purl(&p, Some(&os)),
            "pkg:rpm/fedora/perl-Errno@1.38-506.fc40?arch=x86_64&distro=fedora-40"
        );
    }

    #[test]
    fn databases_are_read_from_the_merged_view_and_a_broken_rpm_one_is_noted() {
        let l0 = layer(&[
            ("etc/", "dir"),
            ("etc/os-release", "file:ID=debian\nVERSION_ID=\"12\"\n"),
            (
                "var/lib/dpkg/status",
                "file:Package: old\nStatus: install ok installed\nVersion: 1\n",
            ),
        ]);
        let l1 = layer(&[
            ("var/lib/dpkg/status", &format!("file:{STATUS}")),
            (
                "var/lib/dpkg/status.d/extra",
                "file:Package: extra\nVersion: 3\nArchitecture: amd64\n",
            ),
            ("var/lib/dpkg/status.d/extra.md5sums", "file:abc  /x\n"),
            ("var/lib/rpm/rpmdb.sqlite", "file:SQLite format 3"),
        ]);
        let layers = [l0, l1];
        let mut tree = MergedTree::new();
        for l in &layers {
            tree.push_layer(&l[..], &Limits::default()).unwrap();
        }
        let found = read_databases(&tree, |i| Ok(&layers[i][..]), &Limits::default()).unwrap();
        assert_eq!(found.os.as_ref().unwrap().id, "debian");
        let names: Vec<_> = found.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["base-files", "extra", "libc6", "tzdata"]);
        let dbs: Vec<_> = found
            .databases
            .iter()
            .map(|d| (d.manager, d.path.as_str(), d.read, d.packages))
            .collect();
        assert_eq!(
            dbs,
            [
                (Manager::Dpkg, "/var/lib/dpkg/status", true, 3),
                (Manager::Dpkg, "/var/lib/dpkg/status.d", true, 1),
                (Manager::Rpm, "/var/lib/rpm/rpmdb.sqlite", false, 0),
            ]
        );
        assert_eq!(
            found.databases[2].note.as_deref(),
            Some("not an sqlite database")
        );
    }

    #[test]
    fn a_symlinked_os_release_and_an_apk_database_are_read() {
        let l0 = layer(&[
            ("etc/", "dir"),
            ("usr/lib/os-release", "file:ID=alpine\nVERSION_ID=3.19.1\n"),
            ("etc/os-release", "link:../usr/lib/os-release"),
            ("lib/apk/db/installed", &format!("file:{APK}")),
        ]);
        let mut tree = MergedTree::new();
        tree.push_layer(&l0[..], &Limits::default()).unwrap();
        let found = read_databases(&tree, |_| Ok(&l0[..]), &Limits::default()).unwrap();
        let os = found.os.unwrap();
        assert_eq!(
            (os.id.as_str(), os.version_id.as_deref()),
            ("alpine", Some("3.19.1"))
        );
        assert_eq!(
            found.packages[0].purl,
            "pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1&upstream=busybox"
        );
    }

    #[test]
    fn an_sbom_replaces_a_file_only_when_told() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("bom.json");
        write_sbom(&json!({"a": 1}), &dest, false).unwrap();
        let again = write_sbom(&json!({"a": 2}), &dest, false).unwrap_err();
        assert!(
            matches!(again, ImageError::WouldOverwrite { .. }),
            "{again}"
        );
        write_sbom(&json!({"a": 2}), &dest, true).unwrap();
        let back: Value = serde_json::from_slice(&std::fs::read(&dest).unwrap()).unwrap();
        assert_eq!(back["a"], 2);
        assert!(
            write_sbom(&json!({}), dir.path(), true).is_err(),
            "a folder is never replaced"
        );
    }
}
