//! `strata packages` through the binary, on images made with `import-rootfs` from small
//! real package databases: a Debian `status` file (one package with `Source:`, one removed
//! and kept as `deinstall ok config-files`), a distroless `status.d/` entry, an Alpine
//! `installed` file, and rpm databases that rpm itself wrote (sqlite) or reads (Berkeley
//! DB) from .rpm files rpmbuild made, each checked entry by entry against `rpm -qa`. The SBOMs are validated against the CycloneDX 1.5 and SPDX 2.3 JSON
//! schemas (vendored under `tests/schemas/`) with python3's `jsonschema`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::*;

const DEBIAN_STATUS: &str = "\
Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u5
Replaces: base, dpkg (<= 1.15.0), miscutils
Provides: base
Conffiles:
 /etc/debian_version 4f9ae2e2a3cd8b5dfd6df1d1c4e0a9a0
 /etc/host.conf 4eb63731c9f5e30903ac4fc07a7fe3d6
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system, and
 several important miscellaneous files.

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12986
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: vim-tiny
Status: deinstall ok config-files
Priority: important
Section: editors
Installed-Size: 1729
Maintainer: Debian Vim Maintainers <team+vim@tracker.debian.org>
Architecture: amd64
Source: vim
Version: 2:9.0.1378-2
Conffiles:
 /etc/vim/vimrc.tiny 5ba4d8b8f2e4e1b5e1b8a1a0d7d7e3c1
Description: Vi IMproved - enhanced vi editor - compact version
";

const DEBIAN_OS_RELEASE: &str = "\
PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"
NAME=\"Debian GNU/Linux\"
VERSION_ID=\"12\"
VERSION=\"12 (bookworm)\"
VERSION_CODENAME=bookworm
ID=debian
";

/// As distroless writes one package's entry (no `Status:` field).
const DISTROLESS_TZDATA: &str = "\
Package: tzdata
Version: 2024a-0+deb12u1
Architecture: all
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Installed-Size: 2960
Section: localization
Priority: required
Multi-Arch: foreign
Description: time zone and daylight-saving time data
";

const ALPINE_INSTALLED: &str = "\
C:Q1nBY/xbIcOmz0a0gU5bSFd2o2BrY=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:407024
I:667648
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1705409839
c:bd1a0dc1a9ee3e5a47bbc6e5b2b3ee5d5ecfaa3f
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1F4tsKKKEkVy4NeaRRQn1+RYzWis=
R:libc.musl-x86_64.so.1

C:Q1r1g4q0u0lnLcp3yZRRSiLJLPhmI=
P:busybox-binsh
V:1.36.1-r15
A:x86_64
S:1555
I:1
T:busybox ash /bin/sh
U:https://busybox.net/
L:GPL-2.0-only
o:busybox
m:Sören Tempel <soeren+alpine@soeren-tempel.net>
t:1705409839
c:0f0a6e4d0e3b9d8c3a3c2a5b2e8a5f8f8c9a0b1c
D:busybox=1.36.1-r15
F:bin
R:sh
a:0:0:777
Z:Q1pcfTfDNEbNKQc2s1tia7da05M8Q=

C:Q1kJ0nE7i9N3QfK7o1bYQ1n3rJt3g=
P:alpine-baselayout-data
V:3.4.3-r2
A:x86_64
S:11187
I:77824
T:Alpine base dir structure and init scripts
U:https://git.alpinelinux.org/cgit/aports/tree/main/alpine-baselayout
L:GPL-2.0-only
o:alpine-baselayout
";

const ALPINE_OS_RELEASE: &str = "\
NAME=\"Alpine Linux\"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME=\"Alpine Linux v3.19\"
HOME_URL=\"https://alpinelinux.org/\"
";

/// An image made by `import-rootfs` from these files.
fn image(home: &Path, tmp: &Path, tag: &str, files: &[(&str, &str)]) {
    let root = tmp.join(tag.replace([':', '/'], "_"));
    for (path, content) in files {
        let f = root.join(path);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, content).unwrap();
    }
    ok(home, &["import-rootfs", p(&root), "--tag", tag]);
}

fn debian(home: &Path, tmp: &Path) {
    image(
        home,
        tmp,
        "deb:12",
        &[
            ("etc/os-release", DEBIAN_OS_RELEASE),
            ("var/lib/dpkg/status", DEBIAN_STATUS),
            ("var/lib/dpkg/status.d/tzdata", DISTROLESS_TZDATA),
            (
                "var/lib/dpkg/status.d/tzdata.md5sums",
                "abc  usr/share/zoneinfo/UTC\n",
            ),
        ],
    );
}

fn alpine(home: &Path, tmp: &Path) {
    image(
        home,
        tmp,
        "alp:3",
        &[
            ("etc/os-release", ALPINE_OS_RELEASE),
            ("lib/apk/db/installed", ALPINE_INSTALLED),
        ],
    );
}

/// `(name, version, architecture, source, purl)` of each package listed.
fn rows(p: &Value) -> Vec<(String, String, String, String, String)> {
    p["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|k| {
            let s = |f: &str| k[f].as_str().unwrap_or("").to_string();
            (
                s("name"),
                s("version"),
                s("architecture"),
                s("source"),
                s("purl"),
            )
        })
        .collect()
}

fn row(
    name: &str,
    version: &str,
    arch: &str,
    source: &str,
    purl: &str,
) -> (String, String, String, String, String) {
    (
        name.into(),
        version.into(),
        arch.into(),
        source.into(),
        purl.into(),
    )
}

#[test]
fn a_debian_image_lists_installed_packages_only_and_names_its_os() {
    let (tmp, home) = scratch();
    debian(&home, tmp.path());
    let p = json(&home, &["packages", "deb:12", "--json"]);
    assert_eq!(p["os"]["id"], "debian", "{p:#}");
    assert_eq!(p["os"]["version_id"], "12");
    assert_eq!(
        rows(&p),
        [
            row(
                "base-files",
                "12.4+deb12u5",
                "amd64",
                "",
                "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12"
            ),
            row(
                "libc6",
                "2.36-9+deb12u4",
                "amd64",
                "glibc",
                "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
            ),
            row(
                "tzdata",
                "2024a-0+deb12u1",
                "all",
                "",
                "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12"
            ),
        ],
        "vim-tiny was removed (deinstall) and must not be listed"
    );
    let dbs: Vec<(String, u64)> = p["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["packages"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        dbs,
        [
            ("/var/lib/dpkg/status".to_string(), 2),
            ("/var/lib/dpkg/status.d".to_string(), 1)
        ]
    );

    let text = ok(&home, &["packages", "deb:12"]);
    assert!(text.contains("Debian GNU/Linux 12 (bookworm)"), "{text}");
    assert!(text.contains("libc6") && text.contains("glibc"), "{text}");
    assert!(!text.contains("vim-tiny"), "{text}");
}

#[test]
fn an_alpine_image_lists_its_apk_packages_with_their_origin() {
    let (tmp, home) = scratch();
    alpine(&home, tmp.path());
    let p = json(&home, &["packages", "alp:3", "--json"]);
    assert_eq!(
        (&p["os"]["id"], &p["os"]["version_id"]),
        (&Value::from("alpine"), &Value::from("3.19.1"))
    );
    assert_eq!(
        rows(&p),
        [
            row(
                "alpine-baselayout-data",
                "3.4.3-r2",
                "x86_64",
                "alpine-baselayout",
                "pkg:apk/alpine/alpine-baselayout-data@3.4.3-r2?arch=x86_64&distro=alpine-3.19.1&upstream=alpine-baselayout"
            ),
            row(
                "busybox-binsh",
                "1.36.1-r15",
                "x86_64",
                "busybox",
                "pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1&upstream=busybox"
            ),
            row(
                "musl",
                "1.2.4_git20230717-r4",
                "x86_64",
                "musl",
                "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1"
            ),
        ]
    );
}

#[test]
fn a_broken_rpm_database_is_named_unread_with_the_reason() {
    let (tmp, home) = scratch();
    image(
        &home,
        tmp.path(),
        "rpmish:1",
        &[
            ("var/lib/rpm/rpmdb.sqlite", "SQLite format 3\0"),
            ("var/lib/rpm/Packages", "not a database"),
        ],
    );
    let p = json(&home, &["packages", "rpmish:1", "--json"]);
    assert_eq!(p["packages"], Value::Array(vec![]), "{p:#}");
    let dbs: Vec<(&str, &str, bool, &str)> = p["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["manager"].as_str().unwrap(),
                d["path"].as_str().unwrap(),
                d["read"].as_bool().unwrap(),
                d["note"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        dbs,
        [
            (
                "rpm",
                "/var/lib/rpm/rpmdb.sqlite",
                false,
                "not an sqlite database"
            ),
            (
                "rpm",
                "/var/lib/rpm/Packages",
                false,
                "not a Berkeley DB database"
            ),
        ]
    );
    let text = ok(&home, &["packages", "rpmish:1"]);
    assert!(
        text.contains("/var/lib/rpm/rpmdb.sqlite (rpm) not read: not an sqlite database"),
        "{text}"
    );
    let text = ok(&home, &["packages", "deb:12", "--help"]);
    assert!(text.contains("--sbom"), "{text}");
}

/// Validates `doc` against `schema` (a file under `tests/schemas/`, its `$ref`s resolved
/// beside it) with python3's jsonschema; returns the errors.
fn validate(doc: &Value, schema: &str) -> String {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/schemas");
    let script = r#"
import json, pathlib, sys
import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT7
schema_path = pathlib.Path(sys.argv[1])
resources = []
for p in schema_path.parent.glob("*.json"):
    s = json.loads(p.read_text())
    r = DRAFT7.create_resource(s)
    resources.append((p.name, r))
    if "$id" in s:
        resources.append((s["$id"], r))
schema = json.loads(schema_path.read_text())
v = jsonschema.Draft7Validator(schema, registry=Registry().with_resources(resources),
                               format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
for e in sorted(v.iter_errors(json.load(sys.stdin)), key=lambda e: list(e.path)):
    print("/".join(map(str, e.path)), ":", e.message[:300])
"#;
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(script).arg(dir.join(schema));
    let out = output_with_stdin(&mut cmd, Some(&doc.to_string()));
    assert!(
        out.status.success(),
        "python3 with jsonschema is needed (Debian: python3-jsonschema, `make deps`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_cyclonedx_sbom_is_valid_cyclonedx_1_5_and_names_the_image_and_every_package() {
    let (tmp, home) = scratch();
    debian(&home, tmp.path());
    alpine(&home, tmp.path());
    for (image, count) in [("deb:12", 3), ("alp:3", 3)] {
        let bom = json(&home, &["packages", image, "--sbom", "cyclonedx"]);
        let errors = validate(&bom, "cyclonedx-1.5/bom-1.5.schema.json");
        assert!(
            errors.is_empty(),
            "{image}: not CycloneDX 1.5:\n{errors}\n{bom:#}"
        );
        assert_eq!(bom["bomFormat"], "CycloneDX");
        assert_eq!(bom["specVersion"], "1.5");
        let serial = bom["serialNumber"].as_str().unwrap();
        assert!(
            serial.starts_with("urn:uuid:") && serial.len() == 45,
            "{serial}"
        );
        let id = inspect(&home, image);
        let subject = &bom["metadata"]["component"];
        assert_eq!(subject["type"], "container");
        assert_eq!(subject["name"], id["reference"]);
        assert_eq!(subject["version"], id["manifest_digest"], "{bom:#}");
        let libraries: Vec<&Value> = bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == "library")
            .collect();
        assert_eq!(libraries.len(), count, "{bom:#}");
        let listed = rows(&json(&home, &["packages", image, "--json"]));
        for (c, r) in libraries.iter().zip(&listed) {
            assert_eq!(
                (c["name"].as_str(), c["purl"].as_str()),
                (Some(r.0.as_str()), Some(r.4.as_str()))
            );
        }
    }
}

#[test]
fn the_spdx_sbom_is_valid_spdx_2_3() {
    let (tmp, home) = scratch();
    debian(&home, tmp.path());
    let doc = json(&home, &["packages", "deb:12", "--sbom", "spdx"]);
    let errors = validate(&doc, "spdx-2.3/spdx-schema.json");
    assert!(errors.is_empty(), "not SPDX 2.3:\n{errors}\n{doc:#}");
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    // The image and its three packages.
    assert_eq!(doc["packages"].as_array().unwrap().len(), 4, "{doc:#}");
    let purls: Vec<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["externalRefs"][0]["referenceLocator"].as_str().unwrap())
        .collect();
    assert!(
        purls.contains(
            &"pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
        ),
        "{purls:?}"
    );
}

// ---- rpm ------------------------------------------------------------------------------

/// Subpackages of `strata-tools`, each with a description long enough that its header
/// (about 8 KiB) spills onto sqlite overflow pages and Berkeley DB overflow chains, and
/// enough of them that sqlite's table needs interior b-tree pages.
const PARTS: usize = 24;

/// The specs: one package with an epoch (noarch), and an x86_64 package with its
/// subpackages, whose source rpm is the main package's.
fn rpm_specs() -> Vec<(&'static str, String)> {
    let hello = "\
Name: hello-strata
Epoch: 2
Version: 1.2.3
Release: 4.fc40
Summary: a package with an epoch
License: MIT AND (GPL-2.0-or-later OR BSD-3-Clause)
Vendor: Strata tests
BuildArch: noarch
%description
An empty package.
%files
";
    let mut tools = String::from(
        "\
Name: strata-tools
Version: 0.9
Release: 1.fc40
Summary: a package and its subpackages
License: GPL-2.0-or-later
%description
An empty package.
%files
",
    );
    let long = "A line of a long description, to make the header large.\n".repeat(140);
    for n in 1..=PARTS {
        tools.push_str(&format!(
            "%package part{n:02}\nSummary: part {n}\nLicense: LGPL-2.1-or-later\n\
             %description part{n:02}\n{long}%files part{n:02}\n"
        ));
    }
    vec![
        ("hello-strata.spec", hello.to_string()),
        ("strata-tools.spec", tools),
    ]
}

const FEDORA_OS_RELEASE: &str = "\
NAME=\"Fedora Linux\"
VERSION=\"40 (Container Image)\"
ID=fedora
VERSION_ID=40
PRETTY_NAME=\"Fedora Linux 40 (Container Image)\"
";

const CENTOS_OS_RELEASE: &str = "\
NAME=\"CentOS Linux\"
VERSION=\"7 (Core)\"
ID=\"centos\"
VERSION_ID=\"7\"
PRETTY_NAME=\"CentOS Linux 7 (Core)\"
";

/// Runs `rpm` (or `rpmbuild`), which must succeed; returns its stdout.
fn rpm(tool: &str, args: &[&str]) -> String {
    peer(tool, args)
}

/// Builds the test's .rpm files with rpmbuild and installs them (`--justdb`) into a new
/// sqlite rpm database; returns its folder.
fn rpm_sqlite_db(tmp: &Path) -> PathBuf {
    let top = tmp.join("rpmbuild");
    std::fs::create_dir_all(&top).unwrap();
    let mut rpms = Vec::new();
    for (name, spec) in rpm_specs() {
        let file = top.join(name);
        std::fs::write(&file, spec).unwrap();
        rpm(
            "rpmbuild",
            &[
                "--define",
                &format!("_topdir {}", p(&top)),
                "--target",
                "x86_64",
                "-bb",
                p(&file),
            ],
        );
    }
    for arch in ["noarch", "x86_64"] {
        for e in std::fs::read_dir(top.join("RPMS").join(arch)).unwrap() {
            rpms.push(e.unwrap().path());
        }
    }
    assert_eq!(rpms.len(), 2 + PARTS, "rpmbuild made {rpms:?}");
    let db = tmp.join("rpmdb-sqlite");
    std::fs::create_dir_all(&db).unwrap();
    let common = ["--dbpath", p(&db), "--define", "_db_backend sqlite"];
    rpm("rpm", &[&common[..], &["--initdb"]].concat());
    let mut install = [
        &common[..],
        &["-i", "--justdb", "--nodeps", "--noscripts", "--ignorearch"],
    ]
    .concat();
    install.extend(rpms.iter().map(|r| p(r)));
    rpm("rpm", &install);
    db
}

/// A Berkeley DB hash `Packages` holding the sqlite database's header blobs, keyed as
/// rpm's: the header number as 4 host-order bytes, and record 0 holding the next one.
/// Debian's rpm 4.18 cannot write Berkeley DB (it reads it with `bdb_ro` only), so the
/// file is made by Berkeley DB itself: `db5.3_load -t hash` from the blobs, which
/// python3's sqlite3 reads out of the database rpm wrote.
fn rpm_bdb_db(tmp: &Path, sqlite_db: &Path) -> PathBuf {
    let db = tmp.join("rpmdb-bdb");
    std::fs::create_dir_all(&db).unwrap();
    let dump = tmp.join("packages.dump");
    let script = r#"
import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
rows = c.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
out = ["VERSION=3", "format=bytevalue", "type=hash", "db_pagesize=4096", "HEADER=END"]
last = 0
for hnum, blob in rows:
    out += [" " + hnum.to_bytes(4, sys.byteorder).hex(), " " + bytes(blob).hex()]
    last = max(last, hnum)
out += [" " + (0).to_bytes(4, sys.byteorder).hex(), " " + (last + 1).to_bytes(4, sys.byteorder).hex()]
out.append("DATA=END")
open(sys.argv[2], "w").write("\n".join(out) + "\n")
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(sqlite_db.join("rpmdb.sqlite"))
        .arg(&dump)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    peer("db5.3_load", &["-f", p(&dump), p(&db.join("Packages"))]);
    db
}

/// What rpm itself says of a database: `name|epoch|evr|arch|source name|license` lines,
/// sorted.
fn rpm_says(db: &Path, backend: &str) -> Vec<String> {
    let text = rpm(
        "rpm",
        &[
            "--dbpath",
            p(db),
            "--define",
            &format!("_db_backend {backend}"),
            "-qa",
            "--qf",
            "%{NAME}|%{EPOCHNUM}|%{EVR}|%{ARCH}|%{SOURCERPM}|%{LICENSE}\\n",
        ],
    );
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            // The source rpm's name: `strata-tools` of `strata-tools-0.9-1.fc40.src.rpm`.
            let srpm = f[4].trim_end_matches(".src.rpm");
            let source = srpm.rsplitn(3, '-').nth(2).unwrap_or("");
            format!("{}|{}|{}|{}|{}|{}", f[0], f[1], f[2], f[3], source, f[5])
        })
        .collect();
    lines.sort();
    lines
}

/// The same lines from `strata packages --json`.
fn strata_says(p: &Value) -> Vec<String> {
    let mut lines: Vec<String> = p["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let s = |f: &str| k[f].as_str().unwrap_or("").to_string();
            let version = s("version");
            let epoch = match version.split_once(':') {
                Some((e, _)) => e.to_string(),
                None => "0".to_string(),
            };
            assert_eq!(k["manager"], "rpm", "{k:#}");
            format!(
                "{}|{epoch}|{version}|{}|{}|{}",
                s("name"),
                s("architecture"),
                s("source"),
                s("license")
            )
        })
        .collect();
    lines.sort();
    lines
}

/// An image of a database folder's files at `at` (and `links` as symlinks), with an
/// os-release.
fn rpm_image(
    home: &Path,
    tmp: &Path,
    tag: &str,
    os_release: &str,
    db: &Path,
    at: &str,
    links: &[(&str, &str)],
) {
    let root = tmp.join(tag.replace([':', '/'], "_"));
    let dest = root.join(at);
    std::fs::create_dir_all(&dest).unwrap();
    for e in std::fs::read_dir(db).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dest.join(e.file_name())).unwrap();
    }
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), os_release).unwrap();
    for (link, target) in links {
        let l = root.join(link);
        std::fs::create_dir_all(l.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, l).unwrap();
    }
    ok(home, &["import-rootfs", p(&root), "--tag", tag]);
}

#[test]
fn a_fedora_image_lists_what_rpm_lists_from_its_sqlite_database() {
    let (tmp, home) = scratch();
    let db = rpm_sqlite_db(tmp.path());
    let expected = rpm_says(&db, "sqlite");
    assert_eq!(expected.len(), 2 + PARTS, "{expected:?}");
    // As Fedora 36 and later: the database under /usr, /var/lib/rpm a link to it.
    rpm_image(
        &home,
        tmp.path(),
        "fedora:40",
        FEDORA_OS_RELEASE,
        &db,
        "usr/lib/sysimage/rpm",
        &[("var/lib/rpm", "../../usr/lib/sysimage/rpm")],
    );
    let p = json(&home, &["packages", "fedora:40", "--json"]);
    assert_eq!(strata_says(&p), expected, "{p:#}");
    assert_eq!(
        p["databases"],
        serde_json::json!([{
            "manager": "rpm",
            "path": "/usr/lib/sysimage/rpm/rpmdb.sqlite",
            "read": true,
            "packages": 2 + PARTS,
        }]),
        "one database, read once though two paths lead to it"
    );
    let purls: Vec<&str> = p["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["purl"].as_str().unwrap())
        .collect();
    assert_eq!(
        purls[..3],
        [
            "pkg:rpm/fedora/hello-strata@1.2.3-4.fc40?arch=noarch&distro=fedora-40&epoch=2",
            "pkg:rpm/fedora/strata-tools@0.9-1.fc40?arch=x86_64&distro=fedora-40",
            "pkg:rpm/fedora/strata-tools-part01@0.9-1.fc40?arch=x86_64&distro=fedora-40&upstream=strata-tools",
        ]
    );
    let text = ok(&home, &["packages", "fedora:40"]);
    assert!(text.contains("Fedora Linux 40 (Container Image)"), "{text}");
    assert!(
        text.contains(&format!(
            "/usr/lib/sysimage/rpm/rpmdb.sqlite: {} package(s)",
            2 + PARTS
        )),
        "{text}"
    );
    assert!(text.contains("2:1.2.3-4.fc40"), "{text}");

    // Both SBOMs are valid and carry every package with its license.
    let bom = json(&home, &["packages", "fedora:40", "--sbom", "cyclonedx"]);
    let errors = validate(&bom, "cyclonedx-1.5/bom-1.5.schema.json");
    assert!(errors.is_empty(), "not CycloneDX 1.5:\n{errors}\n{bom:#}");
    let hello = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "hello-strata")
        .expect("hello-strata in the BOM");
    assert_eq!(
        hello["purl"],
        "pkg:rpm/fedora/hello-strata@1.2.3-4.fc40?arch=noarch&distro=fedora-40&epoch=2"
    );
    assert_eq!(
        hello["licenses"][0]["license"]["name"],
        "MIT AND (GPL-2.0-or-later OR BSD-3-Clause)"
    );
    let doc = json(&home, &["packages", "fedora:40", "--sbom", "spdx"]);
    let errors = validate(&doc, "spdx-2.3/spdx-schema.json");
    assert!(errors.is_empty(), "not SPDX 2.3:\n{errors}\n{doc:#}");
    assert_eq!(
        doc["packages"].as_array().unwrap().len(),
        3 + PARTS,
        "{doc:#}"
    );
}

#[test]
fn a_centos_image_lists_what_rpm_lists_from_its_berkeley_db_packages() {
    let (tmp, home) = scratch();
    let sqlite = rpm_sqlite_db(tmp.path());
    let db = rpm_bdb_db(tmp.path(), &sqlite);
    // rpm itself reads the Berkeley DB file (read-only, `bdb_ro`) as it read the sqlite one.
    let expected = rpm_says(&sqlite, "sqlite");
    assert_eq!(rpm_says(&db, "bdb_ro"), expected);
    rpm_image(
        &home,
        tmp.path(),
        "centos:7",
        CENTOS_OS_RELEASE,
        &db,
        "var/lib/rpm",
        &[],
    );
    let p = json(&home, &["packages", "centos:7", "--json"]);
    assert_eq!(strata_says(&p), expected, "{p:#}");
    assert_eq!(p["databases"][0]["path"], "/var/lib/rpm/Packages");
    assert_eq!(p["databases"][0]["packages"], 2 + PARTS, "{p:#}");
    assert!(p["databases"][0].get("note").is_none(), "{p:#}");
    assert_eq!(
        p["packages"][0]["purl"],
        "pkg:rpm/centos/hello-strata@1.2.3-4.fc40?arch=noarch&distro=centos-7&epoch=2"
    );
}

#[test]
fn a_removal_still_in_the_sqlite_write_ahead_log_counts_and_a_stale_packages_file_does_not() {
    let (tmp, home) = scratch();
    let db = rpm_sqlite_db(tmp.path());
    // A Berkeley DB `Packages` left beside it from before a conversion, still listing
    // every package: rpm uses the sqlite database, and so does Strata.
    let stale = rpm_bdb_db(tmp.path(), &db);
    std::fs::copy(stale.join("Packages"), db.join("Packages")).unwrap();
    // sqlite itself (python3's) removes one package in a transaction and exits without a
    // checkpoint, as a process killed after its commit would: the removal is only in
    // `rpmdb.sqlite-wal`.
    let script = r#"
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
c.execute("PRAGMA wal_autocheckpoint = 0")
hnum = [h for (h, b) in c.execute("SELECT hnum, blob FROM Packages") if b"part07" in bytes(b)][0]
c.execute("DELETE FROM Packages WHERE hnum = ?", (hnum,))
c.commit()
os._exit(0)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(db.join("rpmdb.sqlite"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wal = std::fs::metadata(db.join("rpmdb.sqlite-wal"))
        .unwrap()
        .len();
    assert!(wal > 0, "the removal is in the log");
    rpm_image(
        &home,
        tmp.path(),
        "fedora:wal",
        FEDORA_OS_RELEASE,
        &db,
        "var/lib/rpm",
        &[],
    );
    let expected = rpm_says(&db, "sqlite");
    assert_eq!(expected.len(), 1 + PARTS, "{expected:?}");
    assert!(!expected
        .iter()
        .any(|l| l.starts_with("strata-tools-part07|")));
    let p = json(&home, &["packages", "fedora:wal", "--json"]);
    assert_eq!(strata_says(&p), expected, "{p:#}");
    assert_eq!(
        p["databases"],
        serde_json::json!([
            {
                "manager": "rpm",
                "path": "/var/lib/rpm/rpmdb.sqlite",
                "read": true,
                "packages": 1 + PARTS,
            },
            {
                "manager": "rpm",
                "path": "/var/lib/rpm/Packages",
                "read": false,
                "packages": 0,
                "note": "rpm uses /var/lib/rpm/rpmdb.sqlite, read instead",
            },
        ])
    );
}
