// Where the GUI tests find things, and how they start the app with private folders, so
// that a test never reads or writes the person's own store or settings.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session, startDriver } from './webdriver.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const APP = process.env.STRATA_APP ?? join(ROOT, 'target/debug/strata-app');
export const TAURI_DRIVER = process.env.TAURI_DRIVER ?? join(ROOT, '.tools/bin/tauri-driver');
export const NATIVE_DRIVER = process.env.WEBKIT_WEBDRIVER ?? '/usr/bin/WebKitWebDriver';
export const SHOTS = join(ROOT, 'target/e2e');

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
      return session;
    });
  } finally {
    for (const s of sessions) await s.close().catch(() => {});
    await driver.stop();
  }
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
    // The GUI tests must not depend on the desktop's theme.
    GTK_THEME: 'Adwaita',
  };
  return env;
}
