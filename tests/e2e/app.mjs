// Where the GUI tests find things, and how they start the app with private folders, so
// that a test never reads or writes the person's own store or settings.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session, startDriver } from './webdriver.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const APP = process.env.STRATA_APP ?? join(ROOT, 'target/debug/strata-app');
export const TAURI_DRIVER = process.env.TAURI_DRIVER ?? join(ROOT, '.tools/bin/tauri-driver');
export const NATIVE_DRIVER = process.env.WEBKIT_WEBDRIVER ?? '/usr/bin/WebKitWebDriver';
export const SHOTS = join(ROOT, 'target/e2e');
export const STRATA = process.env.STRATA_CLI ?? join(ROOT, 'target/debug/strata');
export const TEST_REGISTRY =
  process.env.STRATA_TEST_REGISTRY ?? join(ROOT, 'target/debug/strata-test-registry');

/**
 * Starts a real registry (Debian's docker-registry on 127.0.0.1, through the testkit's
 * `strata-test-registry`) in `mode` ('none' | 'htpasswd' | 'token'). Resolves to
 * `{url, host, users: [{name, password}], acr, stop()}`; `stop()` closes the helper's stdin,
 * which stops the registry by its own PID and removes its storage. `extra` are more of the
 * helper's arguments: `['--acr-personal', 'KEY_ID:SECRET']` also starts the testkit's ACR
 * Personal API server (`acr: {url, region}`), whose temporary login the registry accepts.
 */
export function startRegistry(mode = 'none', users = [], extra = []) {
  const args = [mode, ...users.flatMap((u) => ['--user', `${u.name}:${u.password}`]), ...extra];
  const child = spawn(TEST_REGISTRY, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`strata-test-registry exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        const described = JSON.parse(line);
        const exited = new Promise((done) => child.once('exit', done));
        resolvePromise({
          ...described,
          stop: async () => {
            child.stdin.end();
            await exited;
          },
        });
      }
    });
  });
}

/** Runs the `strata` CLI on the store `home`; returns its standard output. */
export function strata(home, args, input) {
  return execFileSync(STRATA, args, {
    env: { ...process.env, STRATA_HOME: home },
    input,
    encoding: 'utf8',
  });
}

/** A scratch folder holding the app's store (STRATA_HOME) and config (XDG_CONFIG_HOME). */
export function scratch(name) {
  const dir = mkdtempSync(join(tmpdir(), `strata-e2e-${name}-`));
  return {
    dir,
    home: join(dir, 'home'),
    config: join(dir, 'config'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs `body(open)` with a tauri-driver whose app sees `env`; `open()` starts the app and
 * returns its WebDriver session. Every session and the driver are closed afterwards.
 */
export async function withDriver(env, body) {
  const driver = await startDriver({
    tauriDriver: TAURI_DRIVER,
    nativeDriver: NATIVE_DRIVER,
    env,
    log: process.env.E2E_VERBOSE ? (s) => process.stderr.write(s) : undefined,
  });
  const sessions = [];
  try {
    await body(async () => {
      const session = await Session.start(driver.base, APP);
      sessions.push(session);
      // The window exists before the UI has mounted: wait for the sidebar.
      await session.find('nav [data-nav="images"]', { timeout: 30_000 });
      // …and for its images (the logo), so that screenshots never catch one half-loaded.
      for (let i = 0; i < 50; i++) {
        if (await session.execute('return [...document.images].every((i) => i.complete)')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return session;
    });
  } finally {
    for (const s of sessions) await s.close().catch(() => {});
    await driver.stop();
    endStrays(env.STRATA_HOME);
  }
}

/**
 * Ends processes of this store's app (the app and its WebKit children) that outlived their
 * WebDriver session. Seen under load: the session closed, the app kept running, and its
 * inherited pipes kept `node --test` from ever exiting. Only processes whose STRATA_HOME is
 * this test's scratch store are touched.
 */
function endStrays(home) {
  if (!home) return;
  const mark = `STRATA_HOME=${home}`;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(mark)) {
        process.kill(Number(pid), 'SIGKILL');
      }
    } catch {
      // gone already, or not ours to read
    }
  }
}

/**
 * A folder for LOCPATH holding the compiled locale `name` (e.g. zh_CN.UTF-8). WebKit takes
 * navigator.language from setlocale(), which falls back to C (en-US) when the locale is not
 * installed; compiling it privately avoids changing the machine's locales.
 */
export function compiledLocale(place, name) {
  const dir = join(place.dir, 'locales');
  const [lang, charset] = name.split('.');
  if (!existsSync(join(dir, name))) {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('localedef', ['-i', lang, '-f', charset, join(dir, name)], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(
        `cannot compile the ${name} locale with localedef (Debian package locales): ${e.stderr ?? e}`,
      );
    }
  }
  return dir;
}

/** The environment of an app with its own store and config, in a fixed system language. */
export function appEnv(place, { lang = 'C.UTF-8', language } = {}) {
  const env = {
    STRATA_HOME: place.home,
    XDG_CONFIG_HOME: place.config,
    LANG: lang,
    LC_ALL: '',
    LC_MESSAGES: '',
    LANGUAGE: language ?? '',
    ...(lang.startsWith('C') ? {} : { LOCPATH: compiledLocale(place, lang) }),
    // The GUI tests must not depend on the desktop's theme.
    GTK_THEME: 'Adwaita',
    // Xvfb has no GPU, so the app would turn WebKit's accelerated compositing off
    // (src-tauri/src/rendering.rs). In that mode WebKitWebDriver's screenshot of a page that
    // is not repainting never answers (the screen itself draws fine: checked with an X
    // capture), so the GUI tests keep the compositing path every machine with a GPU uses.
    WEBKIT_DISABLE_COMPOSITING_MODE: process.env.WEBKIT_DISABLE_COMPOSITING_MODE ?? '0',
  };
  return env;
}
