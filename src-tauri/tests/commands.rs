//! A command is callable from the UI only when it is registered in `main.rs`, listed in
//! `build.rs` (which makes it a permission), granted in `capabilities/main.json`, and given
//! a typed wrapper in `ui/src/lib/ipc/tauri.ts` (src/commands/mod.rs). This test reads the
//! four and fails, naming the difference, when they disagree: a command added to one and
//! forgotten in another (or one left granted after it was removed).

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start}")) + start.len();
    let len = text[from..].find(end).unwrap_or_else(|| panic!("no {end}"));
    &text[from..from + len]
}

/// Every `"…"` in `text`.
fn quoted(text: &str) -> BTreeSet<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// `commands::images::import_image,` → `import_image`, inside `generate_handler![…]`.
fn registered() -> BTreeSet<String> {
    let main = read("src-tauri/src/main.rs");
    between(&main, "generate_handler![", "]")
        .split(',')
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| s.rsplit("::").next().unwrap_or(s).to_string())
        .collect()
}

/// The names `build.rs` lists for the app manifest.
fn listed() -> BTreeSet<String> {
    let build = read("src-tauri/build.rs");
    quoted(between(&build, ".commands(&[", "])"))
}

/// `allow-import-image` → `import_image`.
fn granted() -> BTreeSet<String> {
    let caps: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/main.json")).expect("parse main.json");
    caps["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect()
}

/// The commands `tauri.ts` calls: `call('name'` and `call<T>('name'`.
fn wrapped() -> BTreeSet<String> {
    let ts = read("ui/src/lib/ipc/tauri.ts");
    ts.match_indices("call")
        .filter_map(|(at, _)| {
            let rest = &ts[at + 4..];
            let rest = match rest.strip_prefix('<') {
                // Skip a type argument, which may nest (`call<Array<T>>(`).
                Some(_) => &rest[rest.find(">('")? + 1..],
                None => rest,
            };
            let name = rest.strip_prefix("('")?;
            Some(name[..name.find('\'')?].to_string())
        })
        .collect()
}

#[test]
fn every_command_is_registered_listed_granted_and_wrapped() {
    let registered = registered();
    assert!(registered.len() > 50, "parsed main.rs: {registered:?}");
    assert!(registered.contains("import_image"));
    for (what, names) in [
        ("build.rs", listed()),
        ("capabilities/main.json", granted()),
        ("ui/src/lib/ipc/tauri.ts", wrapped()),
    ] {
        let missing: Vec<_> = registered.difference(&names).collect();
        let extra: Vec<_> = names.difference(&registered).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{what} disagrees with main.rs: missing {missing:?}, not a command {extra:?}"
        );
    }
}
