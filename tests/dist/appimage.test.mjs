// The AppImage's app: Strata_<v>_<arch>.AppImage started under Xvfb through tauri-driver as
// the GUI specs start the built app (tests/e2e/app.mjs), on the store the AppImage's CLI
// pulled into (STRATA_DIST_STORE). It shows the pulled image on the Images screen, and the
// app and its WebKitWebProcess run on the AppImage's libraries: /proc/<pid>/maps of both name
// libwebkit2gtk and every other bundled library under the cache directory the runtime
// extracted into (STRATA_APPIMAGE_DIR), none of them from the host's /usr/lib.
// tests/dist/appimage-test.sh runs it.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { APP, SHOTS, appEnv, withDriver } from '../e2e/app.mjs';
import { screenshot } from '../e2e/fixtures.mjs';

const STORE = process.env.STRATA_DIST_STORE;
const IMAGE = process.env.STRATA_DIST_IMAGE;
const VERSION = process.env.STRATA_DIST_VERSION;
const APPDIR = process.env.STRATA_APPIMAGE_DIR;
// tests/keychain/with-keychain.sh gives the session a cache of its own: the app gets the
// cache appimage-test.sh launched the AppImage with, so that it finds its tree there.
const CACHE = process.env.STRATA_APPIMAGE_CACHE;

/** Processes whose environment names this store, with their executables. */
function processesOfStore(home) {
  const mark = `STRATA_HOME=${home}`;
  const found = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(mark)) continue;
      found.push({ pid, exe: readlinkSync(`/proc/${pid}/exe`) });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** The shared objects a process has mapped, by path. */
function mappedLibraries(pid) {
  const paths = new Set();
  for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const path = line.split(/\s+/).slice(5).join(' ');
    if (/\.so(\.\d+)*$/.test(path)) paths.add(path);
  }
  return [...paths];
}

function assertRunsOnTheBundle(what, pid, bundled) {
  const libs = mappedLibraries(pid);
  const webkit = libs.filter((p) => basename(p).startsWith('libwebkit2gtk-4.1.so'));
  assert.deepEqual(webkit, [join(APPDIR, 'usr/lib/libwebkit2gtk-4.1.so.0')], `${what} maps ${webkit}`);
  // The kernel names a mapping by the file, libgtk-3.so.0.2406.32; the bundle by the soname.
  const isBundled = (name) => bundled.has(name) || [...bundled].some((so) => name.startsWith(`${so}.`));
  const fromHost = libs.filter((p) => !p.startsWith(`${APPDIR}/`) && isBundled(basename(p)));
  assert.deepEqual(fromHost, [], `${what} maps bundled libraries from the host`);
  const fromBundle = libs.filter((p) => p.startsWith(`${APPDIR}/`));
  // libc, libGL, libX11… are the host's on purpose (src-tauri/packaging/appimage/excludelist).
  const hostOnes = libs.filter((p) => !p.startsWith(`${APPDIR}/`)).map((p) => basename(p));
  return { fromBundle: fromBundle.length, hostOnes };
}

describe('the AppImage', () => {
  const config = mkdtempSync(join(tmpdir(), 'strata-appimage-config-'));
  before(() => {
    assert.ok(STORE && IMAGE && VERSION && APPDIR && CACHE, 'STRATA_DIST_*, STRATA_APPIMAGE_DIR and _CACHE');
    assert.ok(APP.endsWith('.AppImage'), `STRATA_APP is the AppImage: ${APP}`);
    mkdirSync(SHOTS, { recursive: true });
  });
  after(() => rmSync(config, { recursive: true, force: true }));

  it('opens on Images with the pulled image, on the libraries it carries', async () => {
    const bundled = new Set(readdirSync(join(APPDIR, 'usr/lib')).filter((n) => n.includes('.so')));
    await withDriver({ ...appEnv({ home: STORE, config }), XDG_CACHE_HOME: CACHE }, async (open) => {
      const app = await open();
      assert.equal(await app.title(), 'Strata');
      await app.find(`[data-testid="image-row"][data-reference="${IMAGE}"]`, { timeout: 20_000 });
      const shot = await screenshot(app, 'appimage-images.png');
      assert.ok(statSync(shot).size > 10_000, `${shot} holds a drawn window`);

      await app.click('[data-nav="settings"]');
      await app.waitForText('[data-testid="app-version"]', VERSION);
      await screenshot(app, 'appimage-about.png');

      const procs = processesOfStore(STORE);
      const main = procs.find((p) => p.exe === join(APPDIR, 'usr/bin/strata-app'));
      assert.ok(main, `no strata-app from ${APPDIR} among ${JSON.stringify(procs)}`);
      const web = procs.find(
        (p) => p.exe === join(APPDIR, 'usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitWebProcess'),
      );
      assert.ok(web, `no WebKitWebProcess from ${APPDIR} among ${JSON.stringify(procs)}`);
      const a = assertRunsOnTheBundle('strata-app', main.pid, bundled);
      const w = assertRunsOnTheBundle('WebKitWebProcess', web.pid, bundled);
      console.log(
        `appimage: strata-app maps ${a.fromBundle} libraries from ${APPDIR}, from the host: ${a.hostOnes.join(' ')}`,
      );
      console.log(`appimage: WebKitWebProcess maps ${w.fromBundle} from ${APPDIR}, from the host: ${w.hostOnes.join(' ')}`);
    });
  });
});
