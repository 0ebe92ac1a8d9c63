// The Images screen in the real app: import an archive through the
// app, see it in the table, open its Overview, History, Layers and Files tabs, export it
// (a task on the Tasks screen), tag it, delete it; in English and in 简体中文. Screenshots
// of every step land in target/e2e/images-*.png.
//
// The archive is generated here, before the app starts: a two-layer OCI archive whose top
// layer deletes a file of the bottom one (a whiteout), built with tar(1) and sha256 in
// node, so that the Files tab has a whiteout to show.
//
// Import and export: the native file dialogs cannot be driven over WebDriver, so the test
// types the paths into the dialogs' path fields, which the UI offers for that; they reach
// `import_image` / `export_image` as typed paths. A file chosen with "Browse…" (or dropped
// on the window) would reach the same commands as a token the shell keeps
// (src-tauri/src/commands/host_path.rs); the trust-boundary check below calls the commands
// from the webview as a page that took it over could, and sees them refuse a made-up token
// and a bare path string. Exporting to the same file again asks before replacing it.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, withDriver } from './app.mjs';
import { count, invoke, ociArchive, tarOf, textOf, type, waitFor } from './fixtures.mjs';

const REPO = 'e2e/demo';

function write(path, text) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

/** Writes a two-layer OCI archive named `docker.io/e2e/demo:1` to `<dir>/demo.tar`. */
function makeArchive(dir) {
  const base = join(dir, 'base');
  write(join(base, 'etc/hosts'), '127.0.0.1 localhost\n');
  write(join(base, 'etc/motd'), 'welcome to the base layer\n');
  write(join(base, 'app/hello.txt'), 'hello from layer 0\n');
  const top = join(dir, 'top');
  write(join(top, 'etc/.wh.motd'), '');
  write(join(top, 'app/config.json'), '{"greeting":"hello from layer 1"}\n');
  const layers = [tarOf(base, ['app', 'etc'], join(dir, 'l0.tar')), tarOf(top, ['app', 'etc'], join(dir, 'l1.tar'))];

  return ociArchive(dir, {
    name: `docker.io/${REPO}:1`,
    file: 'demo.tar',
    layers,
    config: {
      created: '2026-01-02T03:04:05Z',
      architecture: 'amd64',
      os: 'linux',
      config: {
        Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'GREETING=hello'],
        Cmd: ['/bin/sh', '-c', 'cat /app/hello.txt'],
        WorkingDir: '/app',
        Labels: { 'org.opencontainers.image.title': 'strata e2e demo' },
      },
      history: [
        { created: '2026-01-01T00:00:00Z', created_by: 'ADD base.tar /' },
        { created: '2026-01-02T03:04:05Z', created_by: 'RUN rm /etc/motd && write /app/config.json' },
      ],
    },
  });
}

/** A screenshot, after a pause: under a loaded Xvfb WebKit may paint a frame behind the DOM. */
const shot = async (app, name) => {
  await sleep(500);
  return app.screenshot(join(SHOTS, `images-${name}.png`));
};

/** The words the test looks for, per language. */
const TEXT = {
  en: { frees: 'frees about', nameOnly: 'Only this name is removed', done: 'Done', empty: 'No images yet' },
  'zh-CN': { frees: '约释放', nameOnly: '只会删除这个名称', done: '已完成', empty: '还没有镜像' },
};

/** The whole flow in one language; `place` is a fresh store. */
async function flow(app, place, locale) {
  const t = TEXT[locale];
  await app.click('[data-nav="images"]');
  await app.waitForText('[data-testid="empty-title"]', t.empty);

  // Import through the dialog's path field.
  await app.click('[data-testid="import-open"]');
  await type(app, '[data-testid="import-path"]', place.archive);
  await shot(app, `import-${locale}`);
  await app.click('[data-testid="import-submit"]');
  const row = `[data-testid="image-row"][data-reference="docker.io/${REPO}:1"]`;
  await app.find(row, { timeout: 30_000 });
  assert.match(await textOf(app, row), /e2e\/demo/);
  await waitFor('the import to be reported', async () =>
    (await textOf(app, '[data-testid="images-status"]'))?.includes('e2e/demo:1'),
  );
  assert.match(await textOf(app, '[data-testid="usage-total"]'), /kB|B/);
  await shot(app, `table-${locale}`);

  // The image's page: Overview, History, Layers, Files.
  await app.click(`${row} button.open`);
  await app.find('[data-testid="overview"]');
  assert.equal((await textOf(app, '[data-testid="overview-platform"]')).trim(), 'linux/amd64');
  assert.match(await textOf(app, '[data-testid="overview"]'), /GREETING=hello/);
  await shot(app, `overview-${locale}`);

  await app.click('[data-tab="history"]');
  await app.find('[data-testid="history"]');
  assert.match(await textOf(app, '[data-testid="history"]'), /RUN rm \/etc\/motd/);
  await shot(app, `history-${locale}`);

  await app.click('[data-tab="layers"]');
  await waitFor('two layers', async () => (await count(app, '[data-testid="layer"]')) === 2);
  const top = '[data-testid="layer"][data-index="1"]';
  // The top layer deletes one file (the whiteout) and adds one.
  assert.match(await textOf(app, `${top} [data-testid="count-deleted"]`), /1/);
  assert.match(await textOf(app, `${top} [data-testid="count-added"]`), /1/);
  await app.click(`${top} [data-testid="layer-toggle"]`);
  await app.find(`${top} [data-testid="layer-changes"]`);
  assert.match(await textOf(app, `${top} [data-testid="layer-changes"]`), /\/etc\/motd/);
  await shot(app, `layers-${locale}`);

  await app.click('[data-tab="files"]');
  await app.click('[data-testid="file-entry"][data-path="etc"] button');
  const motd = '[data-testid="file-entry"][data-path="etc/motd"]';
  await app.find(motd);
  assert.equal(await (await app.find(motd)).attribute('data-removed'), 'true');
  await app.click('[data-testid="file-entry"][data-path="app"] button');
  await app.find('[data-testid="file-entry"][data-path="app/config.json"]');
  assert.match(await textOf(app, '[data-path="app/config.json"] [data-testid="file-layer"]'), /1/);
  await shot(app, `files-${locale}`);
  // At layer 0 the file is still there, from layer 0.
  await app.execute(
    `const s = document.querySelector('[data-testid="files-layer"]'); s.value = '0'; s.dispatchEvent(new Event('change', { bubbles: true }));`,
  );
  await app.click('[data-testid="file-entry"][data-path="etc"] button');
  await waitFor('motd back at layer 0', async () =>
    (await textOf(app, `${motd} [data-testid="file-layer"]`))?.includes('0'),
  );
  await shot(app, `files-layer0-${locale}`);

  // Export: a task with progress on the Tasks screen, and a file on disk.
  const exported = join(place.dir, `export-${locale}.tar`);
  await app.click('[data-testid="image-page"] [data-action="export"]');
  await type(app, '[data-testid="export-path"]', exported);
  await app.click('[data-format="oci-archive"]');
  await shot(app, `export-${locale}`);
  await app.click('[data-testid="export-submit"]');
  await app.click('[data-nav="tasks"]');
  await waitFor('the export to finish', async () =>
    (await textOf(app, '[data-testid="task"][data-kind="export"][data-state="done"] [data-testid="task-state"]'))?.includes(t.done),
  );
  assert.ok(existsSync(exported) && statSync(exported).size > 1000, `${exported} was written`);
  await shot(app, `tasks-${locale}`);

  // Export to the same file again: the app asks first, and replaces it only after Replace.
  await app.click('[data-nav="images"]');
  writeFileSync(exported, 'an older file');
  await app.click('[data-testid="image-page"] [data-action="export"]');
  await type(app, '[data-testid="export-path"]', exported);
  await app.click('[data-testid="export-submit"]');
  await waitFor('the question before replacing', async () =>
    (await textOf(app, '[data-testid="export-exists"]'))?.includes(basename(exported)),
  );
  assert.equal(readFileSync(exported, 'utf8'), 'an older file', 'nothing replaced before the answer');
  await shot(app, `export-exists-${locale}`);
  await app.click('[data-testid="export-replace"]');
  await app.click('[data-nav="tasks"]');
  await waitFor('the second export to finish', async () =>
    (await count(app, '[data-testid="task"][data-kind="export"][data-state="done"]')) === 2,
  );
  assert.ok(statSync(exported).size > 1000, `${exported} was replaced`);

  // Tag, from the table.
  await app.click('[data-nav="images"]');
  await app.click('[data-testid="image-back"]').catch(() => {});
  await app.click(`${row} [data-action="tag"]`);
  await type(app, '[data-testid="tag-input"]', `${REPO}:tagged`);
  // Checked as typed by the engine's reference grammar, and shown in full.
  await waitFor('the full name', async () =>
    (await textOf(app, '[data-testid="tag-full"]'))?.includes('docker.io/e2e/demo:tagged'),
  );
  await shot(app, `tag-${locale}`);
  await app.click('[data-testid="tag-submit"]');
  const tagged = `[data-testid="image-row"][data-reference="docker.io/${REPO}:tagged"]`;
  await app.find(tagged);
  assert.equal(await count(app, '[data-testid="image-row"]'), 2);

  // Delete: first one name (nothing freed), then the image (frees its bytes).
  await app.click(`${tagged} [data-action="delete"]`);
  assert.match(await textOf(app, '[data-testid="delete-frees"]'), new RegExp(t.nameOnly));
  await shot(app, `delete-name-${locale}`);
  await app.click('[data-testid="delete-submit"]');
  await waitFor('one row left', async () => (await count(app, '[data-testid="image-row"]')) === 1);
  await app.click(`${row} [data-action="delete"]`);
  assert.match(await textOf(app, '[data-testid="delete-frees"]'), new RegExp(t.frees));
  await shot(app, `delete-${locale}`);
  await app.click('[data-testid="delete-submit"]');
  await app.waitForText('[data-testid="empty-title"]', t.empty, { timeout: 20_000 });
  await shot(app, `deleted-${locale}`);
}

describe('Images screen', () => {
  const place = scratch('images');
  before(() => {
    mkdirSync(SHOTS, { recursive: true });
    place.archive = makeArchive(place.dir);
  });
  after(() => place.remove());

  it('imports, shows layers and files, exports, tags and deletes (English)', async () => {
    await withDriver(appEnv(place), async (open) => {
      const app = await open();
      await flow(app, place, 'en');
      // A path that does not exist is refused at once, in the dialog, with the path.
      await app.click('[data-testid="import-open"]');
      await type(app, '[data-testid="import-path"]', join(place.dir, 'nothing-here.tar'));
      await app.click('[data-testid="import-submit"]');
      // The refusal comes back from the shell asynchronously: wait for it, then check it.
      await waitFor('the import error', async () =>
        /nothing-here\.tar/.test((await textOf(app, '[data-testid="import-error"]')) ?? ''),
      );
      await shot(app, 'import-error-en');

      // The trust boundary: host paths from the webview are a token the shell handed out,
      // or a path typed in a field, never a bare string; a made-up token is refused, and
      // an export does not replace an existing file without the answer.
      const secret = join(place.dir, 'not-for-the-webview.txt');
      writeFileSync(secret, 'x');
      const refused = async (command, args, code) => {
        const answer = await invoke(app, command, args);
        assert.match(answer, code, `${command} ${JSON.stringify(args)}: ${answer}`);
      };
      const madeUp = { kind: 'chosen', token: '0123456789abcdef0123456789abcdef' };
      await refused('import_image', { source: madeUp, tag: null }, /path\.unknown_token/);
      await refused('import_image', { path: secret, tag: null }, /source/);
      await refused('import_image', { source: secret, tag: null }, /HostPath|kind|variant/i);
      await refused('upload_files', { name: 'nothing', sources: [madeUp], dir: '/' }, /path\.unknown_token/);
      await refused(
        'export_image',
        { reference: 'nothing:1', target: { kind: 'typed', path: secret }, format: 'docker-archive', overwrite: false },
        /image\.would_overwrite/,
      );
      assert.equal(readFileSync(secret, 'utf8'), 'x');
    });
  });

  it('does the same in 简体中文', async () => {
    const zh = scratch('images-zh');
    zh.archive = place.archive;
    try {
      mkdirSync(zh.home, { recursive: true });
      writeFileSync(join(zh.home, 'settings.json'), JSON.stringify({ language: 'zh-CN', theme: 'system' }));
      await withDriver(appEnv(zh), async (open) => {
        const app = await open();
        await flow(app, zh, 'zh-CN');
      });
    } finally {
      zh.remove();
    }
  });
});
