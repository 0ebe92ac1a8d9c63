// Beside Docker in the real app: with Docker Engine found and Podman not, the image page
// offers Send to Docker only (a task on the Tasks screen), and Import → From Docker… brings
// an image Docker made into the store; Docker and Strata agree on the layers' diff_ids both
// ways. Screenshots land in target/e2e/docker-*.png.
//
// A real dockerd (Debian's docker.io, which the Makefile installs) is started by this spec
// as root, with its data root, exec root and socket in the spec's scratch folder, the vfs
// driver and no iptables or bridge; the app reaches it through DOCKER_HOST, so no real
// daemon is touched and nothing is pulled.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, strata, withDriver } from './app.mjs';
import { rootfsImage, waitFor } from './fixtures.mjs';

const LOCAL = 'docker.io/e2e/senddocker:1';
const FROM_DOCKER = 'docker.io/library/made-by-docker:1';

const attrOf = (app, css, name) =>
  app.execute(`return document.querySelector(${JSON.stringify(css)})?.getAttribute(${JSON.stringify(name)}) ?? null`);

const present = (app, css) => app.execute(`return document.querySelector(${JSON.stringify(css)}) !== null`);

const shot = async (app, name) => {
  await sleep(500);
  return app.screenshot(join(SHOTS, `docker-${name}.png`));
};

describe('Beside Docker', () => {
  const place = scratch('docker');
  // Short paths: containerd's socket lives under the exec root (108-byte limit).
  const root = mkdtempSync('/tmp/dke2e');
  const host = `unix://${join(root, 'docker.sock')}`;
  const docker = (args) => execFileSync('/usr/bin/docker', ['-H', host, ...args], { encoding: 'utf8' });
  const dockerDiffIds = (name) => JSON.parse(docker(['image', 'inspect', name]))[0].RootFS.Layers;
  const strataDiffIds = (name) => JSON.parse(strata(place.home, ['inspect', name, '--json'])).layers.map((l) => l.diff_id);
  let daemon;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const log = openSync(join(root, 'dockerd.log'), 'w');
    daemon = spawn(
      'dockerd',
      [
        '--data-root', join(root, 'data'),
        '--exec-root', join(root, 'x'),
        '--pidfile', join(root, 'pid'),
        '-H', host,
        '--storage-driver', 'vfs',
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
      ],
      { stdio: ['ignore', log, log] },
    );
    await waitFor('dockerd to answer', () => {
      try {
        docker(['version', '--format', '{{.Server.Version}}']);
        return true;
      } catch {
        return false;
      }
    }, 60_000);
    rootfsImage(place.home, join(place.dir, 'rootfs'), { 'etc/motd': 'sent from strata to docker\n' }, 'e2e/senddocker:1');
    const tree = join(place.dir, 'docker-tree');
    mkdirSync(join(tree, 'opt'), { recursive: true });
    writeFileSync(join(tree, 'opt/hello'), 'made by docker\n');
    execFileSync('tar', ['-C', tree, '-cf', join(place.dir, 'docker-tree.tar'), 'opt']);
    docker(['import', join(place.dir, 'docker-tree.tar'), 'made-by-docker:1']);
  });
  after(async () => {
    if (daemon) {
      daemon.kill('SIGTERM');
      await new Promise((done) => {
        if (daemon.exitCode !== null) done();
        else daemon.once('exit', done);
      });
    }
    rmSync(root, { recursive: true, force: true });
    place.remove();
  });

  it('sends an image to Docker and imports one from it, with the same diff_ids', async () => {
    const env = { ...appEnv(place), DOCKER_HOST: host, STRATA_PODMAN: '/nonexistent/podman' };
    await withDriver(env, async (open) => {
      const app = await open();
      await app.click('[data-nav="images"]');
      const local = `[data-testid="image-row"][data-reference="${LOCAL}"]`;
      await app.find(local, { timeout: 20_000 });

      // Send to Docker, from the image's page: offered once Docker is found; Podman is not.
      await app.click(`${local} button.open`);
      await waitFor('Send to Docker to be offered', () => present(app, '[data-testid="send-docker"]'));
      assert.equal(await present(app, '[data-testid="send-podman"]'), false);
      await shot(app, 'image-page');
      await app.click('[data-testid="send-docker"]');
      const task = '[data-testid="task"][data-kind="export"]';
      await app.find(task);
      await waitFor('the send to finish', async () => (await attrOf(app, task, 'data-state')) === 'done', 60_000);
      await shot(app, 'sent');
      assert.deepEqual(dockerDiffIds('e2e/senddocker:1'), strataDiffIds(LOCAL));

      // Import → From Docker…: Docker's images listed; the one Docker made is chosen.
      await app.click('[data-nav="images"]');
      await app.click('[data-testid="image-back"]');
      await waitFor('From Docker… to be offered', () => present(app, '[data-testid="docker-import-open"]'));
      await app.click('[data-testid="docker-import-open"]');
      await app.find('[data-testid="podman-image"]', { timeout: 20_000 });
      const picked = await app.execute(
        `const item = [...document.querySelectorAll('[data-testid="podman-image"]')].find((l) => l.textContent.includes('made-by-docker:1'));
         if (!item) return false;
         item.querySelector('input').click();
         return true;`,
      );
      assert.ok(picked, 'made-by-docker:1 is listed');
      await shot(app, 'import-dialog');
      await app.click('[data-testid="podman-import-submit"]');
      await app.find(`[data-testid="image-row"][data-reference="${FROM_DOCKER}"]`, { timeout: 60_000 });
      await shot(app, 'imported');
      assert.deepEqual(strataDiffIds(FROM_DOCKER), dockerDiffIds('made-by-docker:1'));
    });
  });
});
