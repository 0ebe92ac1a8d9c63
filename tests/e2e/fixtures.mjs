// What the GUI specs share besides starting the app (app.mjs): the WebDriver page helpers
// every spec types, polls, reads and takes screenshots with, and the generator of small OCI
// image archives (tar(1) and sha256 in node, nothing downloaded) and of root filesystems
// (one of them busybox, for containers) that the specs import into a store with the CLI.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SHOTS, strata } from './app.mjs';

// ---- page helpers ------------------------------------------------------------------------

/** Types into a field (W3C "Element Send Keys"), after clearing it. */
export async function type(app, css, text) {
  const el = await app.find(css);
  await app.cmd('POST', `/element/${el.id}/clear`, {});
  await app.cmd('POST', `/element/${el.id}/value`, { text });
}

/** Polls `check` until it returns something truthy (a visible result), and returns that. */
export async function waitFor(what, check, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

/** How many elements match `css`. */
export const count = (app, css) => app.execute(`return document.querySelectorAll(${JSON.stringify(css)}).length`);

/** Calls a Tauri command from inside the webview, as the UI (or a page that took it over)
    could; resolves to its answer, or its error, as JSON text. */
export async function invoke(app, command, args = {}) {
  const js = (v) => JSON.stringify(v);
  const key = `__h2_${Math.random().toString(36).slice(2)}`;
  await app.execute(
    `window[${js(key)}] = undefined;
     window.__TAURI_INTERNALS__.invoke(${js(command)}, ${js(args)}).then(
       (v) => (window[${js(key)}] = { ok: JSON.stringify(v) }),
       (e) => (window[${js(key)}] = { err: JSON.stringify(e) }));
     return null;`,
  );
  const out = await waitFor(`${command} to answer`, () => app.execute(`return window[${js(key)}] ?? null`));
  return out.ok ?? out.err;
}

/** The text of the first element matching `css`, or null. */
export const textOf = (app, css) =>
  app.execute(`const e = document.querySelector(${JSON.stringify(css)}); return e ? e.textContent : null`);

/**
 * A screenshot into target/e2e/`file`, after a pause. A screenshot that does not come within
 * 20 s fails the test with a clear message instead of hanging it (WebKitWebDriver never
 * answers on a static page when WebKit's compositing is off: appEnv keeps it on).
 */
export async function screenshot(app, file) {
  await sleep(500);
  const path = join(SHOTS, file);
  const late = sleep(20_000).then(() => 'late');
  if ((await Promise.race([app.screenshot(path), late])) === 'late') {
    assert.fail(`no screenshot ${path}: WebKitWebDriver did not answer within 20 s`);
  }
  return path;
}

// ---- image archives ----------------------------------------------------------------------

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A tar of `dir`'s entries, owned by root, in a fixed order; returns its bytes. */
export function tarOf(dir, names, out) {
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=2026-01-01', '-C', dir, '-cf', out, ...names]);
  return readFileSync(out);
}

/**
 * Writes a one-image OCI archive to `<dir>/<file>` and returns its path. `layers` are the
 * uncompressed layer tars (bytes), `config` the image config without `rootfs` (added here
 * from the layers), `name` the full reference the index annotates (`docker.io/e2e/demo:1`).
 */
export function ociArchive(dir, { name, layers, config, file }) {
  const layout = join(dir, 'layout');
  const blobs = join(layout, 'blobs/sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (bytes) => {
    const hex = sha256(bytes);
    writeFileSync(join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  const configBlob = Buffer.from(
    JSON.stringify({ ...config, rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha256(l)}`) } }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(configBlob) },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...put(l) })),
    }),
  );
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...put(manifest),
          annotations: { 'org.opencontainers.image.ref.name': name },
        },
      ],
    }),
  );
  const archive = join(dir, file);
  execFileSync('tar', ['--owner=0', '--group=0', '-C', layout, '-cf', archive, 'oci-layout', 'index.json', 'blobs']);
  return archive;
}

/**
 * Writes `files` (`{ 'etc/release': 'text' }`) under `root` (created as needed) and imports
 * the tree into `home`'s store as `tag` with `strata import-rootfs`.
 */
export function rootfsImage(home, root, files, tag) {
  mkdirSync(root, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  strata(home, ['import-rootfs', root, '--tag', tag]);
}

/**
 * A busybox root filesystem in `<dir>/rootfs`, from the host's busybox-static (as
 * crates/strata-cli/tests/container_support does): /bin/busybox, its applets as symlinks and
 * an /etc/passwd, imported into `home` as `tag` with `strata import-rootfs`.
 */
export function busyboxImage(home, dir, tag) {
  const root = join(dir, 'rootfs');
  for (const d of ['bin', 'dev', 'etc', 'proc', 'root', 'sys', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n');
  for (const a of applets) {
    if (a && a !== 'busybox') symlinkSync('busybox', join(root, 'bin', a));
  }
  rootfsImage(home, root, { 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n', 'etc/group': 'root:x:0:\n' }, tag);
}
