//! `strata packages` through the binary, on images made with `import-rootfs` from small
//! real package databases: a Debian `status` file (one package with `Source:`, one removed
//! and kept as `deinstall ok config-files`), a distroless `status.d/` entry, an Alpine
//! `installed` file. The SBOMs are validated against the CycloneDX 1.5 and SPDX 2.3 JSON
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
fn an_image_without_databases_says_so_and_an_rpm_database_is_named_unread() {
    let (tmp, home) = scratch();
    image(
        &home,
        tmp.path(),
        "rpmish:1",
        &[("var/lib/rpm/rpmdb.sqlite", "SQLite format 3\0")],
    );
    let p = json(&home, &["packages", "rpmish:1", "--json"]);
    assert_eq!(p["packages"], Value::Array(vec![]), "{p:#}");
    assert_eq!(p["databases"][0]["manager"], "rpm");
    assert_eq!(p["databases"][0]["read"], false);
    let text = ok(&home, &["packages", "rpmish:1"]);
    assert!(text.contains("rpm database not read"), "{text}");
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
