//! The engine's input rules as data for the UI, generated into
//! `ui/src/lib/shared/rules.gen.ts` and checked in: the reference grammar's patterns and
//! normalisation constants, the platform grammar, the config-change instructions, what
//! each command accepts as a host path, and case tables answered by the real parsers. The
//! UI's test double and its form checks read these instead of keeping their own copies;
//! `ui/src/lib/shared/rules.test.ts` proves the patterns give the engine's answers.
//!
//! The test fails when the checked-in file differs from what the engine says;
//! `UPDATE_BINDINGS=1 cargo test -p strata-app rules` rewrites it.

use std::path::PathBuf;

use serde_json::{json, Value};
use strata_core::catalog::manage;
use strata_core::image::change::INSTRUCTIONS;
use strata_core::platform::{self, Platform};
use strata_core::reference::{self, grammar, Reference};

use crate::commands::host_path::{self, Accepts, Purpose};

/// Names the reference case table asks the parser about: every branch of the grammar,
/// taken and refused.
const REFERENCE_INPUTS: &[&str] = &[
    "nginx",
    "nginx:1.25",
    "library/ubuntu",
    "docker.io/ubuntu",
    "index.docker.io/library/ubuntu:1",
    "user/app:v1",
    "library/a/b",
    "localhost/app",
    "localhost:5000/ns/repo:tag",
    "127.0.0.1:5000/e2e/demo:1",
    "[::1]:5000/team/app",
    "registry.cn-hangzhou.aliyuncs.com/ns/app:1.0",
    "ghcr.io/owner/app:v1",
    "Registry.Example.com/app",
    "a__b/c-d/e.f_g",
    "team/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "app:1@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "app:_x",
    "",
    "Not A Name",
    "UPPER/app",
    "app:",
    "app:.x",
    "app:-x",
    "a//b",
    "app/",
    "a___b",
    "-app",
    "app@sha256:abc",
    "app@md5:d41d8cd98f00b204e9800998ecf8427e",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "host:port/app",
    "-host.io/app",
    "team/$(id)",
    "team/a;id",
];

/// Platforms the platform case table asks the parser about.
const PLATFORM_INPUTS: &[&str] = &[
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
    "Linux/ARM64",
    "linux/aarch64",
    "windows/amd64",
    "linux",
    "linux/",
    "/amd64",
    "linux/amd64/v1/x",
    "linux/am d64",
];

/// Names the managed-name case table asks `manage::check_name` about.
const MANAGED_NAME_INPUTS: &[&str] = &[
    "team",
    "my-app",
    "a1",
    "web_2.0",
    "0team",
    "",
    "a",
    "Team",
    "-x",
    "_x",
    ".x",
    "a/b",
    "has space",
    "app:1",
    "名字",
];

fn managed_name_cases() -> Value {
    let long = "x".repeat(65);
    let max = "x".repeat(64);
    MANAGED_NAME_INPUTS
        .iter()
        .copied()
        .chain([long.as_str(), max.as_str()])
        .map(|input| json!([input, manage::check_name(input).is_ok()]))
        .collect()
}

fn reference_cases() -> Value {
    REFERENCE_INPUTS
        .iter()
        .map(|input| match Reference::parse(input) {
            Ok(r) => json!([input, r.to_string(), r.familiar()]),
            Err(_) => json!([input, null, null]),
        })
        .collect()
}

fn platform_cases() -> Value {
    PLATFORM_INPUTS
        .iter()
        .map(|input| match input.parse::<Platform>() {
            Ok(p) => json!([input, p.to_string()]),
            Err(_) => json!([input, null]),
        })
        .collect()
}

fn accepts(a: &Accepts) -> Value {
    let purposes: Vec<&str> = a
        .purposes
        .iter()
        .map(|p| match p {
            Purpose::OpenFile => "open_file",
            Purpose::OpenFolder => "open_folder",
            Purpose::SaveFile => "save_file",
        })
        .collect();
    json!({"purposes": purposes, "typed": a.typed, "what": a.what})
}

/// One `export const` with a doc line.
fn constant(out: &mut String, doc: &str, name: &str, value: Value, ty: &str) {
    let text = serde_json::to_string_pretty(&value).expect("a JSON value");
    out.push_str(&format!(
        "\n/** {doc} */\nexport const {name}: {ty} = {text};\n"
    ));
}

fn generate() -> String {
    let mut out = String::from(
        "// Generated from the engine's rules by `UPDATE_BINDINGS=1 cargo test -p strata-app \
         rules`.\n// Do not edit: change the rule in Rust and regenerate.\n",
    );
    let s = "string";
    let c = &mut out;
    constant(
        c,
        "Docker Hub, as references spell it.",
        "DOCKER_HUB",
        json!(reference::DOCKER_HUB),
        s,
    );
    constant(
        c,
        "Docker Hub's other spelling, read as DOCKER_HUB.",
        "DOCKER_HUB_ALIAS",
        json!(grammar::DOCKER_HUB_ALIAS),
        s,
    );
    constant(
        c,
        "The tag a reference gets when it names neither a tag nor a digest.",
        "DEFAULT_TAG",
        json!(reference::DEFAULT_TAG),
        s,
    );
    constant(
        c,
        "Docker Hub's official images live under this prefix.",
        "OFFICIAL_PREFIX",
        json!(grammar::OFFICIAL_PREFIX),
        s,
    );
    constant(
        c,
        "The longest repository name, registry included.",
        "NAME_MAX",
        json!(grammar::NAME_MAX),
        "number",
    );
    constant(c, "The first part of a name is a registry when it holds one of these, is `localhost`, or has an uppercase letter.", "REGISTRY_MARKS", json!(grammar::REGISTRY_MARKS), "string[]");
    constant(
        c,
        "One path component of a repository (a regular expression).",
        "COMPONENT",
        json!(grammar::COMPONENT),
        s,
    );
    constant(
        c,
        "A tag (a regular expression).",
        "TAG",
        json!(grammar::TAG),
        s,
    );
    constant(
        c,
        "A digest (a regular expression).",
        "DIGEST",
        json!(grammar::DIGEST),
        s,
    );
    constant(
        c,
        "A registry host with an optional port (a regular expression).",
        "REGISTRY",
        json!(grammar::REGISTRY),
        s,
    );
    constant(
        c,
        "One part of `os/arch[/variant]` (a regular expression).",
        "PLATFORM_PART",
        json!(platform::PART),
        s,
    );
    constant(
        c,
        "A namespace or repository name the management APIs take (a regular expression).",
        "MANAGED_NAME",
        json!(manage::NAME_PATTERN),
        s,
    );
    constant(
        c,
        "What the engine's check of namespace and repository names answers: [input, accepted].",
        "MANAGED_NAME_CASES",
        managed_name_cases(),
        "[string, boolean][]",
    );
    constant(
        c,
        "The instructions a config change may start with.",
        "CHANGE_INSTRUCTIONS",
        json!(INSTRUCTIONS),
        "string[]",
    );
    constant(
        c,
        "What each command takes as a host path (src-tauri/src/commands/host_path.rs).",
        "HOST_PATHS",
        json!({
            "import_source": accepts(&host_path::IMPORT_SOURCE),
            "export_target": accepts(&host_path::EXPORT_TARGET),
            "upload_source": accepts(&host_path::UPLOAD_SOURCE),
            "registry_ca": accepts(&host_path::REGISTRY_CA),
            "sbom_target": accepts(&host_path::SBOM_TARGET),
        }),
        "Record<'import_source' | 'export_target' | 'upload_source' | 'registry_ca' | 'sbom_target', { purposes: ('open_file' | 'open_folder' | 'save_file')[]; typed: boolean; what: string }>",
    );
    constant(
        c,
        "What the engine's reference parser answers: [input, full, familiar], or [input, null, null] when it refuses the name.",
        "REFERENCE_CASES",
        reference_cases(),
        "[string, string | null, string | null][]",
    );
    constant(
        c,
        "What the engine's platform parser answers: [input, normalised], or [input, null] when it refuses it.",
        "PLATFORM_CASES",
        platform_cases(),
        "[string, string | null][]",
    );
    out
}

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/shared/rules.gen.ts")
}

#[test]
fn rules_gen_ts_matches_the_engine() {
    let want = generate();
    let path = checked_in();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).expect("write ui/src/lib/shared/rules.gen.ts");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "ui/src/lib/shared/rules.gen.ts is out of date with the engine's rules; regenerate it \
         with `UPDATE_BINDINGS=1 cargo test -p strata-app rules` and commit the result.\n\
         --- expected ---\n{want}"
    );
}

#[test]
fn the_case_tables_hold_both_answers() {
    let refs = reference_cases();
    let refs = refs.as_array().expect("an array");
    assert!(refs.iter().any(|c| c[1].is_null()) && refs.iter().any(|c| !c[1].is_null()));
    let platforms = platform_cases();
    let platforms = platforms.as_array().expect("an array");
    assert!(platforms.iter().any(|c| c[1].is_null()) && platforms.iter().any(|c| !c[1].is_null()));
}
