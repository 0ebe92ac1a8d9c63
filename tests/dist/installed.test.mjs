// The installed app: /usr/bin/strata-app from the .deb, started under Xvfb through
// tauri-driver as the GUI specs start the built one (tests/e2e/app.mjs). It opens on the
// store the installed CLI pulled into (STRATA_DIST_STORE), shows the pulled image on the
// Images screen, and its About box names the version `strata --version` prints.
// tests/dist/install-test.sh runs it between dpkg -i and dpkg -r; it is not one of
// tests/e2e/*.test.mjs, which drive the debug build.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { APP, SHOTS, STRATA, appEnv, withDriver } from '../e2e/app.mjs';
import { screenshot } from '../e2e/fixtures.mjs';

const STORE = process.env.STRATA_DIST_STORE;
const IMAGE = process.env.STRATA_DIST_IMAGE;
const VERSION = process.env.STRATA_DIST_VERSION;

describe('the installed app', () => {
  const config = mkdtempSync(join(tmpdir(), 'strata-dist-config-'));
  before(() => {
    assert.ok(STORE && IMAGE && VERSION, 'STRATA_DIST_STORE, STRATA_DIST_IMAGE and STRATA_DIST_VERSION are set');
    assert.ok(APP.startsWith('/usr/bin/'), `STRATA_APP is the installed app, not a build: ${APP}`);
    mkdirSync(SHOTS, { recursive: true });
  });
  after(() => rmSync(config, { recursive: true, force: true }));

  it('opens on Images with the pulled image, and its About box agrees with strata --version', async () => {
    const cli = execFileSync(STRATA, ['--version'], { encoding: 'utf8' }).trim();
    assert.equal(cli, `strata ${VERSION}`);
    await withDriver(appEnv({ home: STORE, config }), async (open) => {
      const app = await open();
      assert.equal(await app.title(), 'Strata');
      await app.find('main[data-screen="images"]');
      await app.waitForText('[data-testid="screen-title"]', 'Images');
      await app.find(`[data-testid="image-row"][data-reference="${IMAGE}"]`, { timeout: 20_000 });
      const shot = await screenshot(app, 'installed-images.png');
      // A window that did not draw gives a tiny, flat PNG.
      assert.ok(statSync(shot).size > 10_000, `${shot} holds a drawn window`);

      await app.click('[data-nav="settings"]');
      await app.waitForText('[data-testid="app-version"]', VERSION);
      assert.equal(`strata ${await app.text('[data-testid="app-version"]')}`, cli);
      await screenshot(app, 'installed-about.png');
    });
  });
});
