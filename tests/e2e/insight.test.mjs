// The image page's Analysis tab in the real app, in English and in 简体中文: an image made
// as the article makes one (import-rootfs, a container, files rewritten and deleted, commit,
// all through the `strata` CLI before the app starts), its dive score, wasted bytes and
// per-layer visible/hidden bar, a hidden path that opens the Files tab at its layer, and
// the Compare tab against the image it was committed from. Then what is inside and what is
// out of date: a Debian image pulled from a real registry (docker-registry on 127.0.0.1),
// a newer image pushed to its tag, the Images screen's background check badging the row
// "Update available", the badge pulling it, and the Packages tab listing its dpkg packages.
// Screenshots: target/e2e/insight-{analysis,files,compare,analysis-zh-CN,compare-zh-CN,outdated,
// packages,outdated-zh-CN,packages-zh-CN}.png.

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, startRegistry, strata, withDriver } from './app.mjs';
import { count, rootfsImage, screenshot, textOf, waitFor } from './fixtures.mjs';

const NAME = 'docker.io/e2e/wasteful:2';

/** wasteful:1 from a rootfs; a baseline container rewrites two files, deletes the rest; commit. */
function makeImage(place) {
  const root = join(place.dir, 'rootfs');
  const put = (base, path, n) => {
    mkdirSync(join(base, path, '..'), { recursive: true });
    writeFileSync(join(base, path), Buffer.alloc(n, 120));
  };
  put(root, 'etc/app.conf', 100_000);
  put(root, 'var/cache/apt/archives.bin', 3_000_000);
  put(root, 'var/cache/apt/lists.bin', 1_200_000);
  put(root, 'tmp/build.log', 50_000);
  put(root, 'usr/bin/tool', 800_000);
  strata(place.home, ['import-rootfs', root, '--tag', 'e2e/wasteful:1']);
  const created = JSON.parse(
    strata(place.home, ['create', 'e2e/wasteful:1', '--name', 'work', '--mode', 'baseline', '--json']),
  );
  const rootfs = join(place.home, 'containers', created.id, 'rootfs');
  put(rootfs, 'etc/app.conf', 150_000);
  put(rootfs, 'usr/bin/tool', 900_000);
  rmSync(join(rootfs, 'var/cache/apt'), { recursive: true });
  rmSync(join(rootfs, 'tmp/build.log'));
  strata(place.home, ['commit', 'work', 'e2e/wasteful:2', '-m', 'configure, clean the apt cache']);
  strata(place.home, ['rm', 'work']);
  return JSON.parse(strata(place.home, ['analyze', 'e2e/wasteful:2', '--json']));
}

/**
 * A screenshot into target/e2e/insight-`name`.png. The first one a session takes may show a
 * frame from before the last clicks (seen under load): a second one, a moment later,
 * replaces it.
 */
const shot = async (app, name) => {
  await screenshot(app, `insight-${name}.png`);
  await sleep(1000);
  return screenshot(app, `insight-${name}.png`);
};

async function openAnalysis(app) {
  await app.click('[data-nav="images"]');
  const row = `[data-testid="image-row"][data-reference="${NAME}"]`;
  await app.find(row, { timeout: 30_000 });
  await app.click(`${row} button.open`);
  await app.click('[data-tab="analysis"]');
  await app.find('[data-testid="analysis-efficiency"]', { timeout: 30_000 });
}

describe('Analysis tab', () => {
  const place = scratch('insight');
  let cli;
  before(() => {
    mkdirSync(SHOTS, { recursive: true });
    cli = makeImage(place);
  });
  after(() => place.remove());

  it("shows dive's score, the hidden bytes per layer, and opens a path in Files", async () => {
    await withDriver(appEnv(place), async (open) => {
      const app = await open();
      await openAnalysis(app);
      // The app shows what `strata analyze` computes.
      const score = `${(cli.dive.efficiency * 100).toFixed(1)} %`;
      assert.match(await textOf(app, '[data-testid="analysis-efficiency"]'), new RegExp(score));
      assert.ok(cli.dive.efficiency < 0.9, `a wasteful image: ${cli.dive.efficiency}`);
      // The base layer is all hidden (5.15 MB); dive's score misses the 4.2 MB cache (a
      // deleted folder counts once more as a version of itself) but not the rewritten tool.
      assert.match(await textOf(app, '[data-testid="analysis-layer"][data-index="0"]'), /5\.15 MB hidden/);
      assert.match(await textOf(app, '[data-testid="analysis-layer"][data-index="1"]'), /0 B hidden/);
      assert.match(await textOf(app, '[data-testid="analysis-hidden-paths"]'), /\/var\/cache\/apt\/archives\.bin/);
      assert.match(await textOf(app, '[data-testid="analysis-wasted-paths"]'), /\/etc\/app\.conf/);
      await shot(app, 'analysis');

      // The largest hidden file opens the Files tab at the layer that stores it, with its
      // folders open and the file marked.
      const hiddenPath = (await textOf(app, '[data-testid="hidden-path"]')).trim();
      await app.click('[data-testid="hidden-path"]');
      await app.find('[data-testid="files-tree"]');
      await waitFor('the Files tab at layer 0', async () =>
        (await app.execute(`return document.querySelector('[data-testid="files-layer"]')?.value`)) === '0',
      );
      const marked = await app.find(`[data-testid="file-entry"][data-revealed="true"]`, { timeout: 20_000 });
      assert.equal(await marked.attribute('data-path'), hiddenPath.replace(/^\//, ''));
      assert.equal(
        await app.execute(`return document.querySelector('[data-testid="file-entry"][data-path="var"]').getAttribute('aria-expanded')`),
        'true',
      );
      await shot(app, 'files');

      // Compare with the image it was committed from: one layer shared, what the commit did.
      await app.click('[data-tab="compare"]');
      await app.execute(
        `const s = document.querySelector('[data-testid="compare-with"]'); s.value = 'docker.io/e2e/wasteful:1'; s.dispatchEvent(new Event('change', { bubbles: true }));`,
      );
      await app.find('[data-testid="compare-files"]', { timeout: 30_000 });
      assert.match(await textOf(app, '[data-testid="compare-layers"]'), /^\s*1 layers shared/);
      const files = await textOf(app, '[data-testid="compare-files"]');
      for (const path of ['/etc/app.conf', '/usr/bin/tool', '/var/cache/apt', '/tmp/build.log']) {
        assert.ok(files.includes(path), `${path} in ${files}`);
      }
      await shot(app, 'compare');
    });
  });

  it('speaks 简体中文', async () => {
    writeFileSync(join(place.home, 'settings.json'), JSON.stringify({ language: 'zh-CN', theme: 'system' }));
    await withDriver(appEnv(place), async (open) => {
      const app = await open();
      await openAnalysis(app);
      assert.match(await textOf(app, '[data-testid="analysis-efficiency"]'), /效率/);
      assert.match(await textOf(app, '[data-testid="analysis-layer"][data-index="0"]'), /被隐藏 5\.15 MB/);
      await shot(app, 'analysis-zh-CN');

      await app.click('[data-tab="compare"]');
      await app.execute(
        `const s = document.querySelector('[data-testid="compare-with"]'); s.value = 'docker.io/e2e/wasteful:1'; s.dispatchEvent(new Event('change', { bubbles: true }));`,
      );
      await app.find('[data-testid="compare-files"]', { timeout: 30_000 });
      assert.match(await textOf(app, '[data-testid="compare-files"]'), /\/usr\/bin\/tool/);
      await shot(app, 'compare-zh-CN');
    });
  });
});

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n';
const dpkg = (name, version, extra = '') =>
  `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\n${extra}Version: ${version}\n\n`;
const STATUS_1 = dpkg('base-files', '12.4+deb12u5') + dpkg('libc6', '2.36-9+deb12u4', 'Source: glibc\n');
const STATUS_2 = STATUS_1 + dpkg('bash', '5.2.15-2+b7');

describe('Packages tab and Update available', () => {
  const place = scratch('insight-updates');
  let registry;
  let remote;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    registry = await startRegistry('none');
    remote = `${registry.host}/e2e/debian:12`;
    const os = { 'etc/os-release': OS_RELEASE };
    rootfsImage(place.home, join(place.dir, 'v1'), { ...os, 'var/lib/dpkg/status': STATUS_1 }, 'e2e/debian:v1');
    rootfsImage(place.home, join(place.dir, 'v2'), { ...os, 'var/lib/dpkg/status': STATUS_2 }, 'e2e/debian:v2');
    strata(place.home, ['push', 'e2e/debian:v1', remote]);
    strata(place.home, ['pull', remote]);
    // The tag moves on the registry: the pulled image is out of date.
    strata(place.home, ['push', 'e2e/debian:v2', remote]);
    const outdated = JSON.parse(strata(place.home, ['outdated', '--json']));
    assert.deepEqual(
      outdated.map((o) => [o.name, o.state]),
      [[remote, 'update_available']],
    );
  });
  after(async () => {
    await registry?.stop();
    place.remove();
  });

  it('badges the row, pulls the update from the badge, and lists the packages', async () => {
    await withDriver(appEnv(place), async (open) => {
      const app = await open();
      await app.click('[data-nav="images"]');
      const row = `[data-testid="image-row"][data-reference="${remote}"]`;
      await app.find(row, { timeout: 30_000 });
      // The background check, on opening the screen.
      await app.find(`${row} [data-testid="update-badge"]`, { timeout: 30_000 });
      assert.equal(await count(app, '[data-testid="update-badge"]'), 1);
      await shot(app, 'outdated');

      await app.click(`${row} [data-testid="update-badge"]`);
      await waitFor('the pulled image to be up to date', async () => (await count(app, '[data-testid="update-badge"]')) === 0);
      // The badge can go before the re-check of the pulled name ends, while the button is
      // still disabled: a click then does nothing (this spec failed once so).
      await waitFor('the check button to be enabled', async () =>
        (await app.execute('return document.querySelector(\'[data-testid="check-updates"]\').disabled')) === false,
      );
      await app.click('[data-testid="check-updates"]');
      await waitFor('the check to end', async () =>
        /up to date/.test(await textOf(app, '[data-testid="images-status"]').catch(() => '')),
      );

      await app.click(`${row} button.open`);
      await app.click('[data-tab="packages"]');
      await app.find('[data-testid="packages-table"]', { timeout: 30_000 });
      assert.match(await textOf(app, '[data-testid="packages-os"]'), /Debian GNU\/Linux 12 \(bookworm\)/);
      assert.match(await textOf(app, '[data-testid="packages-count"]'), /3 packages/);
      assert.match(await textOf(app, '[data-testid="packages-table"]'), /glibc/);
      await shot(app, 'packages');
    });
  });

  it('speaks 简体中文', async () => {
    // The tag moves again on the registry: an update for the image pulled above.
    strata(place.home, ['push', 'e2e/debian:v1', remote]);
    writeFileSync(join(place.home, 'settings.json'), JSON.stringify({ language: 'zh-CN', theme: 'system' }));
    await withDriver(appEnv(place), async (open) => {
      const app = await open();
      await app.click('[data-nav="images"]');
      const row = `[data-testid="image-row"][data-reference="${remote}"]`;
      await app.find(`${row} [data-testid="update-badge"]`, { timeout: 30_000 });
      assert.equal(await textOf(app, `${row} [data-testid="update-badge"]`), '有更新');
      await shot(app, 'outdated-zh-CN');

      await app.click(`${row} button.open`);
      await app.click('[data-tab="packages"]');
      await app.find('[data-testid="packages-table"]', { timeout: 30_000 });
      assert.match(await textOf(app, '[data-testid="packages-count"]'), /3 个软件包/);
      await shot(app, 'packages-zh-CN');
    });
  });
});
