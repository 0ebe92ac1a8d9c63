// The app's weight with real data (issue #13), run by `make bench-app` under Xvfb on the
// release app, through tauri-driver like the GUI tests:
//
// 1. The Images screen with 2,000 images (a store built by the `bench_data` example, the
//    same data as bench-store-scale): launch → first rows on screen, against a store of 20;
//    then scrolling the whole table, one step a frame, with every frame's time.
// 2. Ten pulls and then ten pushes started from the app at once, against the same ten one
//    by one (each waits for the last): total time ratio (target ≤ 1.2×), and the frame
//    times of the window meanwhile (the UI stays responsive: no long frames).
// 3. Memory: ten rounds of every screen, a 10,000-tag table loaded to its end, a terminal
//    (root only: runc), back to Images; the process tree's PSS after each round against
//    WebKitGTK's own blank page in the same run (target ≤ 1.3×, no growth over the rounds).
//
//   node tests/e2e/app-bench.mjs          (STRATA_APP, STRATA_CLI, BENCH_DATA: the binaries)
//
// Frames are timed in the page with requestAnimationFrame; a frame over 50 ms is a stall a
// person notices. Figures are printed, with the targets; exits 1 when a target is missed.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, appEnv, scratch, startRegistry, strata, withDriver } from './app.mjs';
import { busyboxImage, invoke, waitFor } from './fixtures.mjs';
import { blankPageFloor, treeMemory } from './memory.mjs';

const DATA = process.env.BENCH_DATA ?? join(ROOT, 'target/release/examples/bench_data');
const IMAGES = Number(process.env.BENCH_IMAGES ?? 2000);
const TAGS = Number(process.env.BENCH_TAGS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const TRANSFERS = 10;
const TRANSFER_MIB = Number(process.env.BENCH_TRANSFER_MIB ?? 64);
const STALL_MS = 50;
/** `images`, `transfers` or `memory`: run only that part (default: all three). */
const ONLY = process.env.BENCH_ONLY;
const part = (name) => !ONLY || ONLY === name;
const targets = { concurrent: 1.2, rounds: 1.3 };
let missed = [];

const data = (...args) => execFileSync(DATA, args.map(String), { encoding: 'utf8' }).trim();

/** The app's environment: its own store and config; compositing as the app chooses it. */
function benchEnv(place) {
  const env = appEnv(place);
  delete env.WEBKIT_DISABLE_COMPOSITING_MODE;
  return env;
}

/** The pid of the app using the store `home` (WebKitWebDriver started it). */
function appPid(home) {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'strata-app') continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`STRATA_HOME=${home}`)) return Number(pid);
    } catch {
      // gone, or not ours
    }
  }
  throw new Error(`no strata-app with STRATA_HOME=${home}`);
}

/** Starts recording frame times in the page (window.__frames). */
const startFrames = (app) =>
  app.execute(`window.__frames = []; let last = performance.now();
    const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__frames) requestAnimationFrame(tick); };
    requestAnimationFrame(tick); return null;`);
/** Stops recording; resolves to the frame times (ms). */
const stopFrames = (app) => app.execute('const f = window.__frames; window.__frames = null; return f;');

function frameSummary(frames) {
  const s = [...frames].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return {
    frames: s.length,
    p50: at(0.5),
    p95: at(0.95),
    max: s.at(-1) ?? 0,
    stalls: s.filter((f) => f > STALL_MS).length,
  };
}
const frameLine = (f) =>
  `${f.frames} frames, p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(0)} ms, ${f.stalls} over ${STALL_MS} ms`;

const imageRows = (app) => app.execute('return document.querySelectorAll(\'[data-testid="image-row"]\').length');

// ---- 1. the Images screen at scale ----------------------------------------------------------

async function imagesScreen(count) {
  const place = scratch(`bench-images-${count}`);
  try {
    data('store', place.home, count);
    let firstRows;
    let scroll;
    await withDriver(benchEnv(place), async (open) => {
      const t0 = performance.now();
      const app = await open();
      await waitFor('the first image rows', () => imageRows(app), 60_000);
      firstRows = performance.now() - t0;
      const total = await app.execute(
        'return Number(document.querySelector(\'[data-testid="images-table"]\').getAttribute("aria-rowcount")) - 1',
      );
      if (total !== count) throw new Error(`the table says ${total} images, the store has ${count}`);
      // Scroll from top to bottom, 3 rows a frame, recording every frame.
      await startFrames(app);
      await app.execute(`const v = document.querySelector('[data-testid="images-viewport"]');
        const step = () => { v.scrollTop += 120; if (v.scrollTop + v.clientHeight < v.scrollHeight && window.__frames) requestAnimationFrame(step); };
        requestAnimationFrame(step); return null;`);
      await waitFor('the end of the table', () =>
        app.execute(`const v = document.querySelector('[data-testid="images-viewport"]'); return v.scrollTop + v.clientHeight >= v.scrollHeight;`),
      120_000);
      scroll = frameSummary(await stopFrames(app));
      const last = await app.execute(
        'return [...document.querySelectorAll(\'[data-testid="image-row"]\')].some((r) => r.getAttribute("aria-rowindex") === String(arguments[0] + 1))',
        [count],
      );
      if (!last) throw new Error('scrolled to the end but the last image row is not drawn');
    });
    return { firstRows, scroll };
  } finally {
    place.remove();
  }
}

// ---- 2. ten transfers at once ---------------------------------------------------------------

/** Starts a task through the Tauri command as the UI does (fixtures.mjs `invoke`). */
async function startTask(app, command, args) {
  const answer = JSON.parse(await invoke(app, command, args));
  if (typeof answer?.id !== 'number') throw new Error(`${command}: ${JSON.stringify(answer)}`);
  return answer;
}

/** Waits until every one of `done()` is true, polling every 100 ms. */
async function until(what, done) {
  await waitFor(what, async () => (await done()) || null, 600_000);
}

async function transfers() {
  const place = scratch('bench-transfers');
  const source = await startRegistry('none');
  const targetsOneByOne = await startRegistry('none');
  const targetsAtOnce = await startRegistry('none');
  try {
    mkdirSync(place.home, { recursive: true });
    data('images', source.host, 'bench/img', TRANSFERS, TRANSFER_MIB);
    const refs = [...Array(TRANSFERS).keys()].map((i) => `${source.host}/bench/img${i}:1`);
    const local = () => new Set(JSON.parse(strata(place.home, ['images', '--json'])).map((r) => r.name));
    const pulled = (ref) => local().has(ref);
    const emptyStore = () => {
      for (const ref of refs) strata(place.home, ['rmi', ref]);
      strata(place.home, ['prune']);
    };
    const pushed = async (registry, i) =>
      (await fetch(`${registry.url}/v2/bench/copy${i}/manifests/1`, {
        method: 'HEAD',
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' },
      })).ok;
    const result = {};
    await withDriver(benchEnv(place), async (open) => {
      const app = await open();
      await app.click('[data-nav="tasks"]');
      const pull = (ref) => startTask(app, 'pull_image', { reference: ref, platform: null });
      const push = (registry, i) => startTask(app, 'push_image', { local: refs[i], remote: `${registry.host}/bench/copy${i}:1` });

      let t = performance.now();
      for (const ref of refs) {
        await pull(ref);
        await until(`${ref} pulled`, () => pulled(ref));
      }
      result.pullOneByOne = performance.now() - t;
      t = performance.now();
      for (let i = 0; i < TRANSFERS; i++) {
        await push(targetsOneByOne, i);
        await until(`copy${i} pushed`, () => pushed(targetsOneByOne, i));
      }
      result.pushOneByOne = performance.now() - t;

      emptyStore();
      await startFrames(app);
      t = performance.now();
      await Promise.all(refs.map(pull));
      await until('ten pulls', () => { const have = local(); return refs.every((r) => have.has(r)); });
      result.pullAtOnce = performance.now() - t;
      result.pullFrames = frameSummary(await stopFrames(app));
      await startFrames(app);
      t = performance.now();
      await Promise.all(refs.map((_, i) => push(targetsAtOnce, i)));
      await until('ten pushes', async () => (await Promise.all(refs.map((_, i) => pushed(targetsAtOnce, i)))).every(Boolean));
      result.pushAtOnce = performance.now() - t;
      result.pushFrames = frameSummary(await stopFrames(app));
      // The Tasks screen shows all forty, each done (its own events, throttled, got there).
      await waitFor('forty tasks done on the Tasks screen', () =>
        app.execute('return document.querySelectorAll(\'[data-testid="task"][data-state="done"]\').length === arguments[0]', [4 * TRANSFERS]));
    });
    return result;
  } finally {
    await Promise.all([source.stop(), targetsOneByOne.stop(), targetsAtOnce.stop()]);
    place.remove();
  }
}

// ---- 3. memory over rounds of every screen -------------------------------------------------

async function memoryRounds() {
  const place = scratch('bench-rounds');
  const registry = await startRegistry('none');
  const terminal = process.getuid?.() === 0;
  try {
    mkdirSync(place.home, { recursive: true });
    data('tags', registry.host, 'bench/many', TAGS);
    strata(place.home, ['registries', 'add', registry.host, '--insecure']);
    busyboxImage(place.home, place.dir, 'docker.io/bench/busybox:1');
    if (terminal) strata(place.home, ['create', 'docker.io/bench/busybox:1', '--name', 'bench']);
    const out = { rounds: [], terminal };
    await withDriver(benchEnv(place), async (open) => {
      const app = await open();
      await waitFor('the image rows', () => imageRows(app));
      await sleep(3000);
      const pid = appPid(place.home);
      out.idle = treeMemory(pid);
      for (let round = 1; round <= ROUNDS; round++) {
        await app.click('[data-nav="registries"]');
        // The tree keeps what was open between visits: open only what is closed.
        const open = async (item, toggle) => {
          await app.find(item, { timeout: 30_000 });
          if ((await app.execute('return document.querySelector(arguments[0]).getAttribute("aria-expanded")', [item])) !== 'true') {
            await app.click(toggle);
          }
        };
        await open('[data-testid="tree-registry"]', '[data-testid="tree-registry-toggle"]');
        await open('[data-testid="tree-namespace"][data-namespace="bench"]', '[data-testid="tree-namespace"][data-namespace="bench"] button.toggle');
        await app.click('[data-testid="tree-repository"][data-repository="bench/many"] button');
        await waitFor('every tag', () =>
          app.execute(`const t = document.querySelector('[data-testid="tags-table"]');
            return !!t && Number(t.getAttribute('aria-rowcount')) === arguments[0] + 1 && !document.querySelector('[data-testid="tags-loading-more"]');`, [TAGS]),
        120_000);
        if (terminal) {
          await app.click('[data-nav="containers"]');
          // The screen reopens on the container last shown, else on the list.
          await waitFor('the container list or page', () =>
            app.execute('return !!document.querySelector(\'[data-testid="container-row"], [data-testid="container-page"]\')'));
          if (!(await app.execute('return !!document.querySelector(\'[data-testid="container-page"][data-name="bench"]\')'))) {
            await app.click('[data-testid="container-row"][data-name="bench"] button');
          }
          await app.click('[data-tab="terminal"]');
          await waitFor('the shell', () =>
            app.execute('return document.querySelector(\'[data-testid="terminal"]\')?.dataset.phase === "open"'), 60_000);
        }
        await app.click('[data-nav="tasks"]');
        await app.click('[data-nav="settings"]');
        await app.click('[data-nav="images"]');
        await waitFor('the image rows', () => imageRows(app));
        await sleep(2000);
        const m = treeMemory(pid);
        out.rounds.push(m);
        const by = Object.entries(m.by).map(([name, kb]) => `${name} ${(kb / 1024).toFixed(1)}`).join(', ');
        console.log(`  round ${round}: PSS ${(m.pss_kb / 1024).toFixed(1)} MB (${by}), private dirty ${(m.dirty_kb / 1024).toFixed(1)} MB`);
      }
    });
    out.floor = await blankPageFloor(!process.env.WEBKIT_DISABLE_COMPOSITING_MODE && !existsRenderNode());
    return out;
  } finally {
    try {
      for (const c of JSON.parse(strata(place.home, ['ps', '--json']))) strata(place.home, ['rm', c.name]);
    } finally {
      await registry.stop();
      place.remove();
    }
  }
}

function existsRenderNode() {
  try {
    return readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  } catch {
    return false;
  }
}

// ---- the run ----------------------------------------------------------------------------------

const mb = (kb) => (kb / 1024).toFixed(1);
const s = (ms) => (ms / 1000).toFixed(2);

if (part('images')) {
console.log(`Images screen: ${IMAGES} images against 20`);
const small = await imagesScreen(20);
const large = await imagesScreen(IMAGES);
console.log(`  launch → first rows: ${small.firstRows.toFixed(0)} ms with 20, ${large.firstRows.toFixed(0)} ms with ${IMAGES} (${(large.firstRows / small.firstRows).toFixed(2)}×)`);
console.log(`  scrolling ${IMAGES} rows to the end: ${frameLine(large.scroll)}`);
if (large.scroll.stalls > 0) missed.push('scrolling the Images screen stalled');
}

if (part('transfers')) {
console.log(`Ten transfers of ${TRANSFER_MIB} MiB from the app, at once against one by one`);
const tr = await transfers();
const pullRatio = tr.pullAtOnce / tr.pullOneByOne;
const pushRatio = tr.pushAtOnce / tr.pushOneByOne;
console.log(`  pulls: one by one ${s(tr.pullOneByOne)} s, at once ${s(tr.pullAtOnce)} s = ${pullRatio.toFixed(2)}× (target ≤ ${targets.concurrent}×); frames meanwhile: ${frameLine(tr.pullFrames)}`);
console.log(`  pushes: one by one ${s(tr.pushOneByOne)} s, at once ${s(tr.pushAtOnce)} s = ${pushRatio.toFixed(2)}× (target ≤ ${targets.concurrent}×); frames meanwhile: ${frameLine(tr.pushFrames)}`);
if (pullRatio > targets.concurrent || pushRatio > targets.concurrent) missed.push('ten transfers at once are slower than 1.2× one by one');
if (tr.pullFrames.stalls + tr.pushFrames.stalls > 0) missed.push('the window stalled during transfers');
}

if (part('memory')) {
console.log(`Memory: ${ROUNDS} rounds of every screen, ${TAGS} tags${'' /* terminal noted below */}`);
const mem = await memoryRounds();
if (!mem.terminal) console.log('  (not root: no terminal in the rounds, runc needs root)');
const first = mem.rounds[0];
const last = mem.rounds.at(-1);
console.log(`  idle before the rounds (WebDriver attached): PSS ${mb(mem.idle.pss_kb)} MB`);
console.log(`  after round 1: PSS ${mb(first.pss_kb)} MB; after round ${ROUNDS}: ${mb(last.pss_kb)} MB (growth ${mb(last.pss_kb - first.pss_kb)} MB, private dirty ${mb(last.dirty_kb - first.dirty_kb)} MB)`);
if (mem.floor) {
  const ratio = last.pss_kb / mem.floor.pss_kb;
  console.log(`  WebKitGTK's own blank page: PSS ${mb(mem.floor.pss_kb)} MB → after ${ROUNDS} rounds ${ratio.toFixed(2)}× that floor (target ≤ ${targets.rounds}×)`);
  if (ratio > targets.rounds) missed.push('memory after the rounds above 1.3× the floor');
}
// Growth: the last three rounds against the first three, beyond what noise explains (2 MB).
const avg = (xs) => xs.reduce((a, m) => a + m.pss_kb, 0) / xs.length;
const growth = avg(mem.rounds.slice(-3)) - avg(mem.rounds.slice(0, 3));
console.log(`  last three rounds against the first three: ${growth >= 0 ? '+' : ''}${mb(growth)} MB`);
if (growth > 2048) missed.push('memory grows over the rounds');
}

if (missed.length) {
  console.log(`targets missed: ${missed.join('; ')}`);
  process.exit(1);
}
console.log('every target met');
