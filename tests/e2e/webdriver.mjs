// A small W3C WebDriver client over fetch (no npm dependencies), plus the harness that
// starts tauri-driver for the GUI tests. Only what the tests use: sessions, finding
// elements, clicking, reading text, running a script and taking screenshots.
//
// https://www.w3.org/TR/webdriver2/

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriverError extends Error {
  constructor(method, path, status, value) {
    super(`${method} ${path} → ${status} ${value?.error ?? ''}: ${value?.message ?? JSON.stringify(value)}`);
    this.status = status;
    this.error = value?.error;
  }
}

async function request(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(method, path, res.status, { message: text.slice(0, 500) });
  }
  if (!res.ok) throw new WebDriverError(method, path, res.status, json.value);
  return json.value;
}

/** A free TCP port on 127.0.0.1, so that two test runs never fight over 4444. */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts `tauri-driver` (which starts WebKitWebDriver, which starts the app for each
 * session) and waits until it answers /status. `env` reaches the app.
 */
export async function startDriver({ tauriDriver, nativeDriver, env, log = () => {} }) {
  for (const [what, path] of [
    ['tauri-driver', tauriDriver],
    ['WebKitWebDriver (Debian package webkit2gtk-driver)', nativeDriver],
  ]) {
    if (!existsSync(path)) throw new Error(`${what} not found at ${path}: run \`make tauri-driver deps\``);
  }
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    throw new Error('no display: run the GUI tests under Xvfb (`make test-e2e` does)');
  }
  const port = await freePort();
  const nativePort = await freePort();
  const child = spawn(
    tauriDriver,
    ['--port', String(port), '--native-port', String(nativePort), '--native-driver', nativeDriver],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk) => {
    output += chunk;
    log(String(chunk));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  // tauri-driver logs a connection error while WebKitWebDriver comes up: that is normal.
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`tauri-driver exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const status = await request(base, 'GET', '/status');
      if (status?.ready !== false) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`tauri-driver did not answer on ${base}/status within 30 s:\n${output}`);
    }
    await sleep(200);
  }
  return {
    base,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([once(child, 'exit'), sleep(5000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  /** Opens the app (a new process) with `{"tauri:options": {"application": path}}`. */
  static async start(base, application) {
    const value = await request(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application } } },
    });
    return new Session(base, value.sessionId);
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** Closes the app. */
  async close() {
    await this.cmd('DELETE', '');
  }

  async findAll(css) {
    const found = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return found.map((e) => new Element(this, e[ELEMENT]));
  }

  /** The first element matching `css`, waiting up to `timeout` ms for it to appear. */
  async find(css, { timeout = 10_000 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const [first] = await this.findAll(css);
      if (first) return first;
      if (Date.now() > deadline) throw new Error(`no element matches ${css} after ${timeout} ms`);
      await sleep(100);
    }
  }

  /** Waits until the element matching `css` has exactly `text`; returns its last text. */
  async waitForText(css, text, { timeout = 10_000 } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      const [el] = await this.findAll(css);
      last = el ? await el.text() : undefined;
      if (last === text) return last;
      if (Date.now() > deadline) {
        throw new Error(`${css} shows ${JSON.stringify(last)}, expected ${JSON.stringify(text)}`);
      }
      await sleep(100);
    }
  }

  async click(css) {
    await (await this.find(css)).click();
  }

  async text(css) {
    return (await this.find(css)).text();
  }

  async execute(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  async title() {
    return this.cmd('GET', '/title');
  }

  /** Saves a PNG of the window's page to `path`. */
  async screenshot(path) {
    const base64 = await this.cmd('GET', '/screenshot');
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, Buffer.from(base64, 'base64'));
    return path;
  }
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }

  click() {
    return this.session.cmd('POST', `/element/${this.id}/click`, {});
  }

  text() {
    return this.session.cmd('GET', `/element/${this.id}/text`);
  }

  attribute(name) {
    return this.session.cmd('GET', `/element/${this.id}/attribute/${encodeURIComponent(name)}`);
  }
}
