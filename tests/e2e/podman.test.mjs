// Beside Podman in the real app: Send to Podman on an image's page (a task on the Tasks
// screen), then Import → From Podman… brings an image podman made into the store; podman
// and Strata agree on the layers' diff_ids both ways. Screenshots land in
// target/e2e/podman-*.png.
//
// Podman (Debian's, which the Makefile installs) runs rootful on the vfs driver in the
// test's scratch folder: the app is given the same global arguments through
// STRATA_PODMAN_ARGS, so no real Podman store is touched and nothing is pulled.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, strata, withDriver } from './app.mjs';
import { rootfsImage, waitFor } from './fixtures.mjs';

const LOCAL = 'docker.io/e2e/sendme:1';
const FROM_PODMAN = 'localhost/made-by-podman:1';

const attrOf = (app, css, name) =>
  app.execute(`return document.querySelector(${JSON.stringify(css)})?.getAttribute(${JSON.stringify(name)}) ?? null`);

/** Whether the button `css` is there and enabled. */
const enabled = (app, css) =>
  app.execute(`const b = document.querySelector(${JSON.stringify(css)}); return b !== null && !b.disabled`);

const shot = async (app, name) => {
  await sleep(500);
  return app.screenshot(join(SHOTS, `podman-${name}.png`));
};

describe('Beside Podman', () => {
  const place = scratch('podman');
  const root = join(place.dir, 'podman');
  const podmanArgs = [
    '--root', join(root, 'root'),
    '--runroot', join(root, 'runroot'),
    '--storage-driver', 'vfs',
    '--cgroup-manager', 'cgroupfs',
    '--events-backend', 'none',
  ];
  const podman = (args) => execFileSync('podman', [...podmanArgs, ...args], { encoding: 'utf8' });
  const podmanDiffIds = (name) => JSON.parse(podman(['image', 'inspect', name]))[0].RootFS.Layers;
  const strataDiffIds = (name) => JSON.parse(strata(place.home, ['inspect', name, '--json'])).layers.map((l) => l.diff_id);

  before(() => {
    mkdirSync(SHOTS, { recursive: true });
    rootfsImage(place.home, join(place.dir, 'rootfs'), { 'etc/motd': 'sent from strata\n' }, 'e2e/sendme:1');
    const tree = join(place.dir, 'podman-tree');
    mkdirSync(join(tree, 'opt'), { recursive: true });
    writeFileSync(join(tree, 'opt/hello'), 'made by podman\n');
    execFileSync('tar', ['-C', tree, '-cf', join(place.dir, 'podman-tree.tar'), 'opt']);
    podman(['import', join(place.dir, 'podman-tree.tar'), FROM_PODMAN]);
  });
  after(() => place.remove());

  it('sends an image to Podman and imports one from it, with the same diff_ids', async () => {
    const env = { ...appEnv(place), STRATA_PODMAN_ARGS: podmanArgs.join(' ') };
    await withDriver(env, async (open) => {
      const app = await open();
      await app.click('[data-nav="images"]');
      const local = `[data-testid="image-row"][data-reference="${LOCAL}"]`;
      await app.find(local, { timeout: 20_000 });

      // Send to Podman, from the image's page: enabled once Podman is found.
      await app.click(`${local} button.open`);
      await waitFor('Send to Podman to be enabled', () => enabled(app, '[data-testid="send-podman"]'));
      await shot(app, 'image-page');
      await app.click('[data-testid="send-podman"]');
      const task = '[data-testid="task"][data-kind="export"]';
      await app.find(task);
      await waitFor('the send to finish', async () => (await attrOf(app, task, 'data-state')) === 'done', 60_000);
      await shot(app, 'sent');
      assert.deepEqual(podmanDiffIds(LOCAL), strataDiffIds(LOCAL));

      // Import → From Podman…: podman's images listed; the one podman made is chosen.
      await app.click('[data-nav="images"]');
      await app.click('[data-testid="image-back"]');
      await waitFor('From Podman… to be enabled', () => enabled(app, '[data-testid="podman-import-open"]'));
      await app.click('[data-testid="podman-import-open"]');
      await app.find('[data-testid="podman-image"]', { timeout: 20_000 });
      const picked = await app.execute(
        `const item = [...document.querySelectorAll('[data-testid="podman-image"]')].find((l) => l.textContent.includes(${JSON.stringify(FROM_PODMAN)}));
         if (!item) return false;
         item.querySelector('input').click();
         return true;`,
      );
      assert.ok(picked, `${FROM_PODMAN} is listed`);
      await shot(app, 'import-dialog');
      await app.click('[data-testid="podman-import-submit"]');
      await app.find(`[data-testid="image-row"][data-reference="${FROM_PODMAN}"]`, { timeout: 60_000 });
      await shot(app, 'imported');
      assert.deepEqual(strataDiffIds(FROM_PODMAN), podmanDiffIds(FROM_PODMAN));
    });
  });
});
