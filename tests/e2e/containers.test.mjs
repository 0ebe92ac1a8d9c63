// The Containers screen in the real app: create a container from a
// busybox image through the UI, add a file through the Files tab, run `ls /` in the
// Terminal (a real shell through runc on a pseudo-terminal) and see its output, see the
// changes in Diff, commit through the dialog with a message and an author, and land on the
// new image's Layers tab: the base layer shared, one new layer on top. Screenshots of every
// step land in target/e2e/containers-*.png.
//
// The image is built here, before the app starts, from the host's busybox-static
// (fixtures.mjs busyboxImage): a root filesystem of /bin/busybox, its applets as symlinks
// and an /etc/passwd, imported with `strata import-rootfs`.
//
// Upload: the native file dialog cannot be driven over WebDriver, so the test types the
// host path into the upload dialog's path field, which the UI offers for that (and for
// pasting paths); it reaches `upload_files` as a typed path. Files chosen with "Browse…"
// or dropped on the tab reach it as tokens the shell keeps (src-tauri/src/commands/host_path.rs).
//
// Needs root (runc and the overlay mount), runc and busybox-static, as the CLI's container
// tests do.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, strata, withDriver } from './app.mjs';
import { busyboxImage, count, screenshot, textOf, type, waitFor } from './fixtures.mjs';

const BASE = 'docker.io/e2e/busybox:1';
const COMMITTED = 'docker.io/e2e/busybox:committed';
/** WebDriver's Enter key. */
const ENTER = '\uE007';

/** Sends keys to an element without clearing it (xterm's hidden input). */
async function keys(app, css, text) {
  const el = await app.find(css);
  await app.cmd('POST', `/element/${el.id}/value`, { text });
}

/** The terminal's screen, one string per row, as xterm's DOM renderer draws it. */
const screenRows = (app) =>
  app.execute(`return [...document.querySelectorAll('[data-testid="terminal"] .xterm-rows > div')].map((r) => r.textContent)`);
/** A screenshot, target/e2e/containers-NAME.png (fixtures.mjs screenshot). */
const shot = (app, name) => screenshot(app, `containers-${name}.png`);

describe('Containers screen', () => {
  const place = scratch('containers');
  before(() => {
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync(place.home, { recursive: true });
    busyboxImage(place.home, place.dir, BASE);
    place.upload = join(place.dir, 'hello-e2e.txt');
    writeFileSync(place.upload, 'uploaded through the Files tab\n');
  });
  after(() => {
    // Containers first: their overlay mounts live inside the scratch folder.
    try {
      const all = JSON.parse(strata(place.home, ['ps', '--json']));
      for (const c of all) strata(place.home, ['rm', c.name]);
    } finally {
      place.remove();
    }
  });

  it('creates a container, adds a file, runs ls in the terminal, commits and shows the new layer', async () => {
    await withDriver(appEnv(place), async (open) => {
      const app = await open();
      await app.click('[data-nav="containers"]');
      await app.find('[data-testid="empty-title"]');
      await shot(app, 'empty');

      // Create, from the only image in the store.
      await app.click('[data-testid="create-open"]');
      await waitFor('the image choice', async () =>
        (await app.execute(`return document.querySelector('[data-testid="create-image"]')?.value ?? ''`)) === BASE,
      );
      await type(app, '[data-testid="create-name"]', 'web');
      await shot(app, 'create');
      await app.click('[data-testid="create-submit"]');
      await app.find('[data-testid="container-page"][data-name="web"]', { timeout: 60_000 });
      await app.find('[data-testid="container-file"][data-path="/bin"]');

      // Files: upload a host file into /, then it shows as added.
      await app.click('[data-testid="files-upload"]');
      await type(app, '[data-testid="upload-paths"]', place.upload);
      await shot(app, 'upload');
      await app.click('[data-testid="upload-submit"]');
      const added = '[data-testid="container-file"][data-path="/hello-e2e.txt"][data-change="A"]';
      await app.find(added, { timeout: 20_000 });
      assert.match(await textOf(app, `${added} [data-testid="badge"]`), /Added/);
      await shot(app, 'files');

      // Terminal: a real shell; `ls /` lists the uploaded file beside busybox's folders.
      await app.click('[data-tab="terminal"]');
      await waitFor('the shell', async () => (await textOf(app, '[data-testid="terminal-error"]')) ?? (await app.execute(
        `return document.querySelector('[data-testid="terminal"]')?.dataset.phase === 'open'`,
      )));
      assert.equal(await textOf(app, '[data-testid="terminal-error"]'), null, 'the terminal opened');
      // The prompt first, so that keys go to a shell that reads them.
      await waitFor('the prompt', async () => (await screenRows(app)).some((r) => /[#$] ?$/.test(r.trimEnd()) || r.includes('#')));
      await keys(app, '[data-testid="terminal"] .xterm-helper-textarea', `ls /${ENTER}`);
      const rows = await waitFor('ls output', async () => {
        const r = await screenRows(app);
        return r.some((x) => x.includes('hello-e2e.txt')) && r.some((x) => /\bbin\b/.test(x)) ? r : null;
      });
      assert.ok(rows.some((x) => x.includes('ls /')), 'the command is echoed');
      // Drawn as a terminal: xterm's own styles (injected <style> elements, which the CSP
      // must allow) give the rows its monospace font.
      const font = await app.execute(
        `return getComputedStyle(document.querySelector('[data-testid="terminal"] .xterm-rows')).fontFamily`,
      );
      assert.match(font, /mono|Menlo|Consolas/i, `the terminal's font is ${font}`);
      await shot(app, 'terminal');
      // A change made in the shell, then leave it.
      await keys(app, '[data-testid="terminal"] .xterm-helper-textarea', `echo from-the-shell > /root/shell.txt; exit${ENTER}`);
      await app.find('[data-testid="terminal-exited"]', { timeout: 20_000 });

      // Diff: both new files, with sizes.
      await app.click('[data-tab="diff"]');
      await app.find('[data-testid="change-row"][data-path="/hello-e2e.txt"][data-change="A"]');
      await app.find('[data-testid="change-row"][data-path="/root/shell.txt"][data-change="A"]');
      await shot(app, 'diff');

      // Commit through the dialog: the preview first, then the task.
      await app.click('[data-testid="commit-open"]');
      await app.find('[data-testid="commit-preview-list"] [data-path="/hello-e2e.txt"]');
      assert.match(await textOf(app, '[data-testid="commit-preview-summary"]'), /on top of 1 shared layers of e2e\/busybox:1/);
      await type(app, '[data-testid="commit-reference"]', 'e2e/busybox:committed');
      await waitFor('the full name', async () =>
        (await textOf(app, '[data-testid="commit-reference-full"]'))?.includes(COMMITTED),
      );
      await type(app, '[data-testid="commit-message"]', 'added hello-e2e.txt');
      await type(app, '[data-testid="commit-author"]', 'E2E Tester <e2e@example.com>');
      await shot(app, 'commit');
      await app.click('[data-testid="commit-submit"]');

      // The new image opens on its Layers tab: the base layer and one more on top.
      await app.find(`[data-testid="image-page"][data-reference="${COMMITTED}"]`, { timeout: 60_000 });
      await waitFor('two layers', async () => (await count(app, '[data-testid="layer"]')) === 2);
      const top = '[data-testid="layer"][data-index="1"]';
      assert.match(await textOf(app, `${top} [data-testid="count-added"]`), /[1-9]/);
      await shot(app, 'layers');

      // What the store says: the base layer shared by digest, message and author kept.
      const base = JSON.parse(strata(place.home, ['inspect', BASE, '--json']));
      const made = JSON.parse(strata(place.home, ['inspect', COMMITTED, '--json']));
      assert.equal(made.layers.length, base.layers.length + 1);
      const digests = (i) => i.layers.map((l) => l.digest);
      assert.deepEqual(digests(made).slice(0, base.layers.length), digests(base));
      assert.equal(made.author, 'E2E Tester <e2e@example.com>');
      const history = JSON.parse(strata(place.home, ['history', COMMITTED, '--json']));
      assert.ok(history.some((h) => h.comment === 'added hello-e2e.txt'), JSON.stringify(history));

      // The list shows the container, then the size of its writable layer once counted.
      await app.click('[data-nav="containers"]');
      await app.click('[data-testid="container-back"]').catch(() => {});
      const row = '[data-testid="container-row"][data-name="web"]';
      await app.find(row);
      const size = `${row} [data-testid="container-size"][data-counted="true"]`;
      await app.find(size);
      assert.match(await textOf(app, size), /\d+ B · changes: [1-9]/);
      await shot(app, 'list');
    });
  });
});
