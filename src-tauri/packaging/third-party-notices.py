#!/usr/bin/env python3
"""THIRD-PARTY-NOTICES for the .deb and the AppImage: the licence of everything Strata's two
binaries are built from that is not ours (mk/dist.mk runs it; the packages install the file
as /usr/share/doc/strata/THIRD-PARTY-NOTICES).

- Rust crates: every package the release `strata-app` and `strata` link, from `cargo metadata`
  for this platform, following normal dependencies only (build scripts and dev-dependencies
  ship nothing). Each with its declared licence and the text of its licence files, including
  those of C libraries a -sys crate vendors and links statically (libdeflate, zstd, ISA-L,
  ring's BoringSSL parts), found one or two folders down.
- The UI's JavaScript: the production dependencies in ui/package-lock.json, and svelte with
  what it depends on (a devDependency whose runtime is compiled into the bundle).

BSD and MIT licences ask that binary distributions reproduce their notices; this file does.
Fails (exit 1) when a package has no licence file and no declared licence, so that a new
dependency cannot slip in without one.

Usage: third-party-notices.py ROOT OUT
"""

import json
import os
import subprocess
import sys

LICENSE_PREFIXES = ("license", "licence", "copying", "notice", "copyright", "unlicense")
SHIPPED = ("strata-app", "strata-cli")
# The UI bundle's runtime from devDependencies (the compiler inlines svelte's runtime).
BUNDLED_DEV = ("svelte",)


def licence_files(folder, depth, base=None):
    """Licence files in `folder` and, `depth` levels down, in its subfolders (vendored C),
    as (path relative to `folder`, full path)."""
    base = base or folder
    found = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return found
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isfile(path) and name.lower().startswith(LICENSE_PREFIXES):
            found.append((os.path.relpath(path, base), path))
        elif depth > 0 and os.path.isdir(path) and not name.startswith("."):
            if name in ("tests", "test", "examples", "benches", "node_modules", "target"):
                continue
            found.extend(licence_files(path, depth - 1, base))
    return found


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().strip()


def rust_packages(root):
    triple = subprocess.run(
        ["rustc", "-vV"], capture_output=True, text=True, check=True
    ).stdout
    host = next(l.split(": ")[1] for l in triple.splitlines() if l.startswith("host: "))
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked",
             "--filter-platform", host],
            cwd=root, capture_output=True, text=True, check=True,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    workspace = set(meta["workspace_members"])
    todo = [i for i in workspace if packages[i]["name"] in SHIPPED]
    seen = set()
    while todo:
        node = nodes[todo.pop()]
        for dep in node["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    out = []
    for pid in sorted(seen - workspace, key=lambda i: (packages[i]["name"], packages[i]["version"])):
        p = packages[pid]
        folder = os.path.dirname(p["manifest_path"])
        depth = 2 if p["name"].endswith("-sys") or p["links"] else 0
        out.append((f'{p["name"]} {p["version"]}', p.get("license"), licence_files(folder, depth)))
    return out


def ui_packages(root):
    ui = os.path.join(root, "ui")
    lock = json.load(open(os.path.join(ui, "package-lock.json")))["packages"]
    wanted = [k for k, v in lock.items() if k and not v.get("dev")]
    todo = [f"node_modules/{n}" for n in BUNDLED_DEV]
    while todo:
        key = todo.pop()
        if key in wanted or key not in lock:
            continue
        wanted.append(key)
        todo.extend(f"node_modules/{d}" for d in lock[key].get("dependencies", {}))
    out = []
    for key in sorted(set(wanted)):
        entry = lock[key]
        name = key.split("node_modules/")[-1]
        out.append((f'{name} {entry.get("version", "")}'.strip(), entry.get("license"),
                    licence_files(os.path.join(ui, key), 0)))
    return out


def main():
    root, out_path = sys.argv[1], sys.argv[2]
    sections = [("Rust crates in strata-app and strata", rust_packages(root)),
                ("JavaScript in the app's interface", ui_packages(root))]
    missing = [name for _, pkgs in sections for name, lic, files in pkgs if not lic and not files]
    if missing:
        print("third-party-notices: no licence found for: " + ", ".join(missing), file=sys.stderr)
        return 1
    # A licence text many packages ship (Apache-2.0, MIT with one holder) is printed once,
    # after the list of the packages and files that carry it.
    texts = {}
    for _, pkgs in sections:
        for name, _, files in pkgs:
            for rel, path in files:
                texts.setdefault(read(path), []).append(f"{name}: {rel}")
    lines = ["Strata includes the following software, under the licences below.", ""]
    for title, pkgs in sections:
        lines += ["=" * 78, f"{title} ({len(pkgs)})", "=" * 78]
        for name, lic, files in pkgs:
            lines.append(f"{name}: {lic or 'see its licence files below'}")
        lines.append("")
    lines += ["=" * 78, f"Licence texts ({len(texts)})", "=" * 78, ""]
    for text, carriers in texts.items():
        lines += ["-" * 78] + carriers + ["-" * 78, text, ""]
    tmp = out_path + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, out_path)
    count = sum(len(p) for _, p in sections)
    print(f"third-party-notices: {count} packages in {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
