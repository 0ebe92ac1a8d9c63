//! The problem codes and hint keys the UI can be shown, generated as TypeScript into
//! `ui/src/lib/problemCodes.gen.ts` and checked in: the engine's ([`Code`], [`HintKey`]) and
//! the app's own ([`AppCode`], [`AppHint`]). The UI's translation table is typed by these
//! unions, so a code or hint without an English and a Chinese text fails `npm run check`.
//! The test fails when the checked-in file differs; `UPDATE_BINDINGS=1 cargo test -p
//! strata-app problem_codes` rewrites it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use strata_core::problem::{Code, HintKey};

use crate::vocabulary::{AppCode, AppHint};

/// A union type over `keys`, one per line.
fn union(name: &str, doc: &str, keys: &[&str]) -> String {
    let mut out = format!("/** {doc} */\nexport type {name} =\n");
    for key in keys {
        out.push_str(&format!("  | '{key}'\n"));
    }
    out.pop();
    out.push_str(";\n");
    out
}

fn generate() -> String {
    let mut codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    codes.extend(AppCode::ALL.iter().map(|c| c.as_str()));
    codes.sort_unstable();
    let areas: BTreeSet<&str> = codes.iter().filter_map(|c| c.split('.').next()).collect();
    let areas: Vec<&str> = areas.into_iter().collect();
    let mut hints: Vec<(&str, &[&str])> = HintKey::ALL
        .iter()
        .map(|k| (k.as_str(), k.params()))
        .collect();
    hints.extend(AppHint::ALL.iter().map(|k| (k.as_str(), k.params())));
    hints.sort_unstable();
    let keys: Vec<&str> = hints.iter().map(|(k, _)| *k).collect();

    let mut out = String::from(
        "// Generated from the Rust vocabularies by `UPDATE_BINDINGS=1 cargo test -p strata-app \
         problem_codes`.\n// Do not edit: add the code or hint in Rust (strata_core::problem, \
         src-tauri/src/vocabulary.rs) and regenerate.\n\n",
    );
    out.push_str(&union(
        "ProblemCode",
        "Every problem code the app can show: the engine's and the app's own.",
        &codes,
    ));
    out.push('\n');
    out.push_str(&union(
        "ProblemArea",
        "The namespaces of those codes: what a code is about.",
        &areas,
    ));
    out.push('\n');
    out.push_str(&union(
        "HintKey",
        "Every hint key the app can show: the engine's and the app's own.",
        &keys,
    ));
    out.push_str("\n/** Every problem code, for tests that go through all of them. */\n");
    out.push_str("export const problemCodes: readonly ProblemCode[] = [\n");
    for code in &codes {
        out.push_str(&format!("  '{code}',\n"));
    }
    out.push_str("];\n");
    out.push_str(
        "\n/** The names of the arguments each hint key carries (`{name}` in its texts). */\n",
    );
    out.push_str("export const hintParams = {\n");
    for (key, params) in &hints {
        let list: Vec<String> = params.iter().map(|p| format!("'{p}'")).collect();
        out.push_str(&format!("  '{key}': [{}],\n", list.join(", ")));
    }
    out.push_str("} as const satisfies Record<HintKey, readonly string[]>;\n");
    out
}

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/problemCodes.gen.ts")
}

#[test]
fn problem_codes_gen_ts_matches_the_rust_vocabularies() {
    let want = generate();
    let path = checked_in();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).expect("write ui/src/lib/problemCodes.gen.ts");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "ui/src/lib/problemCodes.gen.ts is out of date with the Rust vocabularies; regenerate \
         it with `UPDATE_BINDINGS=1 cargo test -p strata-app problem_codes` and commit the \
         result.\n--- expected ---\n{want}"
    );
}

#[test]
fn the_generated_lists_hold_every_code_and_hint_once() {
    let text = generate();
    let codes = &text[..text.find("export type ProblemArea").unwrap()];
    for code in Code::ALL
        .iter()
        .map(|c| c.as_str())
        .chain(AppCode::ALL.iter().map(|c| c.as_str()))
    {
        assert_eq!(codes.matches(&format!("  | '{code}'")).count(), 1, "{code}");
    }
    for key in AppHint::ALL {
        assert!(text.contains(&format!("  '{key}': [")), "{key}");
    }
    let logged_in = HintKey::CredentialsLogIn;
    assert!(text.contains(&format!("  '{logged_in}': ['registry'],")));
}
