// Pull and push in the real app: push a local image to a real
// registry through the Push dialog, watch the Tasks screen show the push with a row per
// layer until it is done, check with skopeo that the registry holds the digest the app
// shows; then delete the local image, pull it back through the Pull dialog and see it in
// the Images list. Screenshots of the dialogs and the Tasks screen land in
// target/e2e/transfers-*.png.
//
// The image is generated here: a three-layer OCI archive of random bytes (so that nothing
// compresses away and each layer has a visible size), imported into the app's store with
// the CLI before the app starts. The registry is Debian's docker-registry on 127.0.0.1
// without auth (startRegistry('none')); no registry is saved, so the Push dialog takes the
// typed host, as a first-time user would do.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, startRegistry, strata, withDriver } from './app.mjs';
import { count, ociArchive, tarOf, textOf, type, waitFor } from './fixtures.mjs';

const NAME = 'e2e/transfer:1';
const LAYERS = 3;
const LAYER_BYTES = 1_500_000;

/** Writes an OCI archive of a LAYERS-layer image named `docker.io/${NAME}`; returns its path. */
function makeArchive(dir) {
  const layers = [];
  for (let i = 0; i < LAYERS; i++) {
    const root = join(dir, `root${i}`);
    mkdirSync(join(root, 'data'), { recursive: true });
    writeFileSync(join(root, 'data', `part${i}.bin`), randomBytes(LAYER_BYTES));
    layers.push(tarOf(root, ['data'], join(dir, `l${i}.tar`)));
  }
  return ociArchive(dir, {
    name: `docker.io/${NAME}`,
    file: 'transfer.tar',
    layers,
    config: {
      created: '2026-01-02T03:04:05Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      history: layers.map((_, i) => ({ created: '2026-01-01T00:00:00Z', created_by: `ADD part${i}.bin /data/` })),
    },
  });
}

const attrOf = (app, css, name) =>
  app.execute(`const e = document.querySelector(${JSON.stringify(css)}); return e ? e.getAttribute(${JSON.stringify(name)}) : null`);
/** `kind:state` of every blob row of the first task matching `task` (the newest). */
const layerStates = (app, task) =>
  app.execute(
    `const t = document.querySelector(${JSON.stringify(task)}); return t ? [...t.querySelectorAll('[data-testid="task-layer"]')].map((e) => e.dataset.kind + ':' + e.dataset.state) : []`,
  );
/** A screenshot, after a pause: under a loaded Xvfb WebKit may paint a frame behind the DOM. */
const shot = async (app, name) => {
  await sleep(500);
  return app.screenshot(join(SHOTS, `transfers-${name}.png`));
};

/** What the registry says the tag points at. */
function remoteDigest(remote) {
  const out = execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${remote}`], { encoding: 'utf8' });
  return JSON.parse(out).Digest;
}

describe('Pull and push', () => {
  const place = scratch('transfers');
  let registry;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const archive = makeArchive(place.dir);
    strata(place.home, ['import', archive]);
    registry = await startRegistry('none');
  });
  after(async () => {
    await registry?.stop();
    place.remove();
  });

  it('pushes an image through the Push dialog and pulls it back through the Pull dialog', async () => {
    const remote = `${registry.host}/${NAME}`;
    const env = appEnv(place);
    await withDriver(env, async (open) => {
      const app = await open();
      await app.click('[data-nav="images"]');
      const local = `[data-testid="image-row"][data-reference="docker.io/${NAME}"]`;
      await app.find(local, { timeout: 20_000 });

      // Push, from the image's page. No registry is saved: the dialog says so and takes
      // the typed host; namespace, repository and tag come from the local name.
      await app.click(`${local} button.open`);
      await app.click('[data-testid="push-open"]');
      await app.find('[data-testid="push-no-saved"]');
      assert.equal(await attrOf(app, '[data-testid="push-submit"]', 'disabled'), '');
      await type(app, '[data-testid="push-host"]', registry.host);
      await waitFor('the remote name to be built and checked', async () =>
        (await textOf(app, '[data-testid="push-preview"]'))?.includes(remote),
      );
      await shot(app, 'push-dialog');
      await app.click('[data-testid="push-submit"]');

      // The Tasks screen opens with the push: a row per blob, then done with its digest.
      const push = '[data-testid="task"][data-kind="push"]';
      await app.find(push);
      assert.equal(await app.execute('return document.querySelector("main").dataset.screen'), 'tasks');
      await waitFor('the push to finish', async () => (await attrOf(app, push, 'data-state')) === 'done', 60_000);
      const pushed = await layerStates(app, push);
      assert.equal(pushed.filter((s) => s.startsWith('layer:')).length, LAYERS, `layer rows: ${pushed}`);
      assert.ok(pushed.includes('config:done'), `config row: ${pushed}`);
      assert.ok(
        pushed.every((s) => s.endsWith(':done')),
        `a fresh repository: every blob uploaded: ${pushed}`,
      );
      const digest = await attrOf(app, `${push} [data-testid="task-digest"]`, 'data-digest');
      assert.match(digest, /^sha256:[0-9a-f]{64}$/);
      assert.match(await textOf(app, `${push} [data-testid="task-outcome"]`), new RegExp(remote.replace(/[.]/g, '\\.')));
      // A docker archive's layers are stored as plain tars: the push gzipped each, at the
      // level for a registry on this machine, and the row says so.
      const compressed = `${push} [data-testid="task-compressed"]`;
      assert.equal(await attrOf(app, compressed, 'data-compression'), 'gzip');
      assert.equal(await attrOf(app, compressed, 'data-level'), '2');
      assert.equal(
        (await textOf(app, compressed))?.trim(),
        `Compressed ${LAYERS} layers with gzip level 2: the registry is on this machine or a private network`,
      );
      await shot(app, 'push-done');
      assert.equal(remoteDigest(remote), digest, 'skopeo sees the digest the app shows');

      // The same image to a sibling repository, typed as one full name: its blobs are on
      // the registry already, so they are mounted, not uploaded, and labelled so.
      const sibling = `${registry.host}/e2e/sibling:1`;
      await app.click('[data-nav="images"]');
      await app.click('[data-testid="push-open"]');
      await app.click('[data-testid="push-mode"]');
      await type(app, '[data-testid="push-full-input"]', sibling);
      await waitFor('the full remote name checked', async () =>
        (await textOf(app, '[data-testid="push-preview"]'))?.includes(sibling),
      );
      await app.click('[data-testid="push-submit"]');
      const second = `[data-testid="task"][data-kind="push"][data-state="done"]`;
      await waitFor('the second push to finish', async () => (await count(app, second)) === 2, 60_000);
      // Newest first: the sibling push is the first one listed.
      const mounted = await layerStates(app, second);
      assert.deepEqual(
        mounted.filter((s) => s.startsWith('layer:')),
        Array(LAYERS).fill('layer:mounted'),
        `layers of the second push: ${mounted}`,
      );
      assert.equal(await attrOf(app, `${second} [data-testid="task-digest"]`, 'data-digest'), digest);
      // The gzipped layers the first push kept in the store are sent again: none compressed.
      const newest = `return document.querySelector(${JSON.stringify(second)}).querySelector('[data-testid="task-compressed"]')`;
      assert.equal(await app.execute(newest), null);
      await shot(app, 'push-mounted');
      assert.equal(remoteDigest(sibling), digest);

      // Delete the local image, so that the pull has to fetch every blob.
      await app.click('[data-nav="images"]');
      await app.click('[data-testid="image-back"]').catch(() => {});
      await app.click(`${local} [data-action="delete"]`);
      await app.click('[data-testid="delete-submit"]');
      await app.find('[data-testid="empty-title"]', { timeout: 20_000 });

      // Pull it back: the name is checked and shown in full as it is typed.
      await app.click('[data-testid="pull-open"]');
      await type(app, '[data-testid="pull-reference"]', remote);
      await waitFor('the full name', async () => (await textOf(app, '[data-testid="pull-full"]'))?.includes(remote));
      await type(app, '[data-testid="pull-platform"]', 'linux');
      await app.find('[data-testid="pull-platform-error"]');
      await type(app, '[data-testid="pull-platform"]', 'linux/amd64');
      await waitFor('the platform to be accepted', async () => (await textOf(app, '[data-testid="pull-platform-error"]')) === null);
      await shot(app, 'pull-dialog');
      await app.click('[data-testid="pull-submit"]');

      // The dialog closes; the Images list gets the image when the pull is done.
      const pulled = `[data-testid="image-row"][data-reference="${remote}"]`;
      await app.find(pulled, { timeout: 60_000 });
      await waitFor('the pull to be reported', async () =>
        (await textOf(app, '[data-testid="images-status"]'))?.includes(remote),
      );
      await shot(app, 'pull-images');

      await app.click('[data-testid="status-open-tasks"]');
      const pull = '[data-testid="task"][data-kind="pull"]';
      await waitFor('the pull task done', async () => (await attrOf(app, pull, 'data-state')) === 'done');
      const fetched = await layerStates(app, pull);
      assert.equal(fetched.filter((s) => s === 'layer:done').length, LAYERS, `layer rows: ${fetched}`);
      assert.equal(await attrOf(app, `${pull} [data-testid="task-digest"]`, 'data-digest'), digest);
      assert.match(await textOf(app, `${pull} [data-testid="task-outcome"]`), new RegExp(remote.replace(/[.]/g, '\\.')));
      await shot(app, 'tasks');
    });
  });
});
