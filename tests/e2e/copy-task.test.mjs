// A registry-to-registry copy in the real app shows the same per-blob rows as a push: start
// it from the Registries screen (a tag → Copy…), then the Tasks screen lists the copy with a
// row for the config and one for each layer, each with its size and its final state. The
// first copy streams every blob to the other registry (done); a second copy of the same
// image finds every blob there already (skipped). Screenshots land in
// target/e2e/copy-task-*.png.
//
// Two registries (Debian's docker-registry on 127.0.0.1, no auth); the image is a
// three-layer OCI archive of random bytes (so that each layer has a size of its own),
// imported with the CLI and pushed to the first one before the app starts, which also
// saves that registry (`strata registries add`) so the Registries screen lists it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, startRegistry, strata, withDriver } from './app.mjs';
import { ociArchive, tarOf, textOf, type, waitFor } from './fixtures.mjs';

const LAYERS = 3;
const js = (v) => JSON.stringify(v);

/** Writes a LAYERS-layer OCI archive named `docker.io/e2e/copy:1`; returns its path. */
function makeArchive(dir) {
  const layers = [];
  for (let i = 0; i < LAYERS; i++) {
    const root = join(dir, `root${i}`);
    mkdirSync(join(root, 'data'), { recursive: true });
    // Different sizes, so that each row's size is its own.
    writeFileSync(join(root, 'data', `part${i}.bin`), randomBytes(600_000 * (i + 1)));
    layers.push(tarOf(root, ['data'], join(dir, `l${i}.tar`)));
  }
  return ociArchive(dir, {
    name: 'docker.io/e2e/copy:1',
    file: 'copy.tar',
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

/** The manifest of `host/repo:tag` as the registry serves it. */
function manifestOf(reference) {
  const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reference}`], { encoding: 'utf8' });
  return JSON.parse(raw);
}

/** The UI's byte format (ui/src/lib/shared/format.ts), to read the rows as a person does. */
function formatBytes(n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let unit = 0;
  while (v >= 1000 && unit < units.length - 1) {
    v /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${n} B`;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${Number(v.toFixed(digits))} ${units[unit]}`;
}

/** Every unit row of the first task matching `task`: id, kind, state, total and bytes text. */
const rowsOf = (app, task) =>
  app.execute(
    `const t = document.querySelector(${js(task)});
     return t ? [...t.querySelectorAll('[data-testid="task-layer"]')].map((e) => ({
       id: e.dataset.id, kind: e.dataset.kind, state: e.dataset.state, total: Number(e.dataset.total),
       bytes: e.querySelector('[data-testid="task-layer-bytes"]').textContent.trim(),
     })) : []`,
  );

const shot = async (app, name) => {
  await sleep(500);
  return app.screenshot(join(SHOTS, `copy-task-${name}.png`));
};

describe('Copy task', () => {
  let place;
  let source;
  let target;
  let blobs;

  before(async () => {
    place = scratch('copy-task');
    source = await startRegistry('none');
    target = await startRegistry('none');
    const dir = join(place.dir, 'fixture');
    mkdirSync(dir, { recursive: true });
    strata(place.home, ['import', makeArchive(dir)]);
    strata(place.home, ['push', 'e2e/copy:1', `${source.host}/team/app:1.0`]);
    strata(place.home, ['registries', 'add', source.host]);
    const manifest = manifestOf(`${source.host}/team/app:1.0`);
    blobs = [
      { id: manifest.config.digest, kind: 'config', size: manifest.config.size },
      ...manifest.layers.map((l) => ({ id: l.digest, kind: 'layer', size: l.size })),
    ];
    assert.equal(blobs.length, LAYERS + 1);
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await source?.stop();
    await target?.stop();
    place?.remove();
  });

  /** Opens team/app:1.0 on the Registries screen and copies it to `to`. */
  async function copyTo(app, to) {
    await app.click('[data-nav="registries"]');
    const team = '[data-testid="tree-namespace"][data-namespace="team"]';
    const registry = `[data-testid="tree-registry"][data-registry="${source.host}"]`;
    await app.find(registry, { timeout: 30_000 });
    if ((await app.execute(`return document.querySelector(${js(registry)}).getAttribute('aria-expanded')`)) !== 'true') {
      await app.click(`${registry} [data-testid="tree-registry-toggle"]`);
    }
    await app.find(team, { timeout: 30_000 });
    if (!(await app.execute(`return !!document.querySelector('[data-testid="tree-repository"][data-repository="team/app"]')`))) {
      await app.click(`${team} button`);
    }
    await app.click('[data-testid="tree-repository"][data-repository="team/app"] button');
    await app.find('[data-testid="tag-row"][data-tag="1.0"]', { timeout: 30_000 });
    await app.click('[data-testid="tag-row"][data-tag="1.0"] [data-action="copy"]');
    await type(app, '[data-testid="copy-target"]', to);
    await app.click('[data-testid="copy-submit"]');
    await waitFor(`the copy to ${to} to start`, async () => (await textOf(app, '[data-testid="registries-status"]'))?.includes(to));
  }

  /** Waits for the copy task to `to` to finish; returns its rows. */
  async function finishedRows(app, to) {
    await app.click('[data-nav="tasks"]');
    const task = `[data-testid="task"][data-kind="copy"]`;
    await waitFor(`the copy to ${to} to be done`, async () => {
      const state = await app.execute(
        `const t = [...document.querySelectorAll(${js(task)})].find((e) => e.textContent.includes(${js(to)}));
         return t ? t.dataset.state : null`,
      );
      assert.notEqual(state, 'failed', await textOf(app, `${task} [data-testid="task-problem"]`));
      return state === 'done';
    }, 60_000);
    const id = await app.execute(
      `return [...document.querySelectorAll(${js(task)})].find((e) => e.textContent.includes(${js(to)})).dataset.taskId`,
    );
    return { css: `${task}[data-task-id="${id}"]`, rows: await rowsOf(app, `${task}[data-task-id="${id}"]`) };
  }

  function assertRows(rows, state) {
    const want = blobs.map((b) => ({ id: b.id, kind: b.kind, state, total: b.size, bytes: formatBytes(b.size) }));
    const sort = (list) => [...list].sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(sort(rows), sort(want), `rows: ${js(rows)}`);
  }

  it('shows a row per blob with its size and final state, as a push does', async () => {
    await withDriver(appEnv(place), async (open) => {
      const app = await open();

      // To the other registry: every blob streams across and ends done.
      const first = `${target.host}/mirror/app:1.0`;
      await copyTo(app, first);
      const done = await finishedRows(app, first);
      assertRows(done.rows, 'done');
      assert.ok((await textOf(app, `${done.css} [data-testid="task-amount"]`)).includes('100%'));
      await shot(app, 'streamed');
      assert.equal(manifestOf(first).config.digest, blobs[0].id, 'the target has the image');

      // Again under another tag: the target has every blob, so every row is skipped.
      const second = `${target.host}/mirror/app:1.1`;
      await copyTo(app, second);
      const again = await finishedRows(app, second);
      assertRows(again.rows, 'skipped');
      await shot(app, 'skipped');
    });
  });
});
