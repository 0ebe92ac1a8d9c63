// The container Files editor refuses a device node with a clear message in both languages.
//
// The engine opens only regular files: reading (`read_text_file`) or saving
// (`write_text_file`) a device node, a FIFO or a socket fails with the problem code
// `container.not_regular_file`. The Files tab lists such entries with what they are and
// offers no Edit for them, so a person reaches the refusal in two ways, both driven here
// through the UI, never by calling a command directly:
//   - New file, path /srv/zero (the device node), Save: the save is refused;
//   - Edit on a row that was a regular file when the folder was listed and has since been
//     swapped for a device node by a shell in the container: the read is refused.
// Either way the editor dialog shows the code's summary in the UI language, the engine's
// sentence naming the path and what it is, and the hint, in English and then in 简体中文
// after switching the language in Settings. /srv/ok.txt beside them still opens, so the
// refusal is specific. Screenshots: target/e2e/container-editor-*.png.
//
// Set up with the CLI before the app starts: the busybox image (fixtures.mjs), a container,
// and `strata run` to make the nodes (mknod needs root, runc and busybox-static, as the
// Containers spec does).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, strata, withDriver } from './app.mjs';
import { busyboxImage, screenshot, textOf, type, waitFor } from './fixtures.mjs';

const BASE = 'docker.io/e2e/busybox:1';
const NAME = 'devices';

/** What each language shows for `container.not_regular_file` (ui/src/lib/i18n/problems.ts). */
const TEXT = {
  en: {
    settings: 'Settings',
    summary: 'That is not a regular file, so it is not opened',
    hint: 'What to do: only regular files are read, edited or saved; device nodes, FIFOs and sockets are listed but never opened',
    char: 'Character device',
    fifo: 'FIFO (named pipe)',
  },
  'zh-CN': {
    settings: '设置',
    summary: '这不是普通文件，因此不会打开它',
    hint: '建议: 只有普通文件可以读取、编辑或保存；设备节点、FIFO（命名管道）和套接字只会列出，绝不会被打开',
    char: '字符设备',
    fifo: 'FIFO（命名管道）',
  },
};

const row = (path) => `[data-testid="container-file"][data-path="${path}"]`;
const note = '[data-testid="editor-dialog"] [data-testid="editor-error"]';
const cancel = '[data-testid="editor-dialog"] .actions button[type="button"]';

/** An element's text with its white space collapsed, or null. */
async function words(app, css) {
  const t = await textOf(app, css);
  return t === null ? null : t.replace(/\s+/g, ' ').trim();
}

/** Runs a shell command in the container, as another program working on it would. */
const inContainer = (home, script) => strata(home, ['run', NAME, '--network', 'none', '--', 'sh', '-c', script]);

/** Containers → the container's page → Files → /srv, listed. */
async function openSrv(app) {
  await app.click('[data-nav="containers"]');
  // The screen may still show the page opened before (the list is one step back).
  const at = await waitFor('the containers screen', () =>
    app.execute(
      `return document.querySelector('[data-testid="container-back"]') ? 'page'
        : document.querySelector('[data-testid="container-row"]') ? 'list' : null`,
    ),
  );
  if (at === 'page') await app.click('[data-testid="container-back"]');
  await app.click(`[data-testid="container-row"][data-name="${NAME}"] button.link`);
  await app.find(`[data-testid="container-page"][data-name="${NAME}"]`, { timeout: 30_000 });
  await app.click(`${row('/srv')} button.name`);
  await app.find(row('/srv/zero'), { timeout: 20_000 });
}

/** The refusal in the editor dialog, once it shows: its code, summary, detail and hint. */
async function refusal(app) {
  await app.find(note, { timeout: 20_000 });
  return {
    code: await app.execute(`return document.querySelector(${JSON.stringify(note)}).dataset.code`),
    summary: await words(app, `${note} [data-testid="problem-summary"]`),
    detail: await words(app, `${note} [data-testid="problem-detail"]`),
    hint: await words(app, `${note} [data-testid="problem-hint"]`),
    all: await words(app, note),
  };
}

const disabled = (app, css) => app.execute(`return document.querySelector(${JSON.stringify(css)}).disabled`);

/** The editor dialog closes on Cancel. */
async function closeEditor(app) {
  await app.click(cancel);
  await waitFor('the editor to close', async () => (await textOf(app, '[data-testid="editor-dialog"]')) === null);
}

/**
 * In the open /srv of the current language: the rows say what the nodes are; ok.txt opens;
 * saving over /srv/zero and editing `swapped` (a file turned device node after the listing)
 * are refused with `lang`'s texts. Screenshots container-editor-{list,save,open}-LANG.png.
 */
async function checkRefusals(app, home, lang, swapped) {
  const t = TEXT[lang];
  // Listed with what they are, without Edit; the regular file beside them has it.
  assert.equal(await words(app, `${row('/srv/zero')} [data-testid="file-kind"]`), t.char);
  assert.equal(await words(app, `${row('/srv/pipe')} [data-testid="file-kind"]`), t.fifo);
  assert.equal(await textOf(app, `${row('/srv/zero')} [data-action="edit"]`), null, '/srv/zero offers no Edit');
  assert.equal(await textOf(app, `${row('/srv/pipe')} [data-action="edit"]`), null, '/srv/pipe offers no Edit');
  await screenshot(app, `container-editor-list-${lang}.png`);

  // The regular file opens in the editor: the refusal is about what the path is.
  await app.click(`${row('/srv/ok.txt')} [data-action="edit"]`);
  await waitFor('ok.txt in the editor', async () =>
    (await app.execute(`return document.querySelector('[data-testid="editor-text"]')?.value ?? null`)) === 'hi\n',
  );
  assert.equal(await textOf(app, note), null, 'ok.txt opens without an error');
  assert.equal(await disabled(app, '[data-testid="editor-save"]'), false, 'ok.txt can be saved');
  await closeEditor(app);

  // New file named /srv/zero: the save is refused, the dialog stays open with the message.
  await app.click('[data-testid="files-new"]');
  await type(app, '[data-testid="editor-path"]', '/srv/zero');
  await type(app, '[data-testid="editor-text"]', 'not for a device');
  await app.click('[data-testid="editor-save"]');
  const saved = await refusal(app);
  assert.equal(saved.code, 'container.not_regular_file');
  assert.equal(saved.summary, t.summary);
  assert.equal(saved.detail, 'cannot open "/srv/zero" in the container: it is a character device, not a regular file');
  assert.equal(saved.hint, t.hint);
  if (lang !== 'en') assert.ok(!saved.all.includes(TEXT.en.summary), `no English summary in ${lang}: ${saved.all}`);
  await screenshot(app, `container-editor-save-${lang}.png`);
  await closeEditor(app);

  // Edit on a row listed as a file, swapped for a device node since: the read is refused.
  inContainer(home, `rm ${swapped} && mknod ${swapped} c 1 5`);
  await app.click(`${row(swapped)} [data-action="edit"]`);
  const opened = await refusal(app);
  assert.equal(opened.code, 'container.not_regular_file');
  assert.equal(opened.summary, t.summary);
  assert.equal(opened.detail, `cannot open "${swapped}" in the container: it is a character device, not a regular file`);
  assert.equal(opened.hint, t.hint);
  // Nothing was read, so nothing can be saved over the node.
  assert.equal(await disabled(app, '[data-testid="editor-save"]'), true, 'Save is off after a refused read');
  assert.equal(await disabled(app, '[data-testid="editor-text"]'), true, 'the text is off after a refused read');
  await screenshot(app, `container-editor-open-${lang}.png`);
  await closeEditor(app);
}

describe('Container Files editor', () => {
  const place = scratch('container-editor');
  before(() => {
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync(place.home, { recursive: true });
    busyboxImage(place.home, place.dir, BASE);
    strata(place.home, ['create', BASE, '--name', NAME]);
    inContainer(place.home, 'mkdir -p /srv && mknod /srv/zero c 1 5 && mkfifo /srv/pipe && echo hi > /srv/ok.txt');
    // Regular files now; each becomes a device node while the app shows /srv.
    inContainer(place.home, 'echo one > /srv/swap-en.txt && echo two > /srv/swap-zh.txt');
  });
  after(() => {
    // Containers first: their overlay mounts live inside the scratch folder.
    try {
      for (const c of JSON.parse(strata(place.home, ['ps', '--json']))) strata(place.home, ['rm', c.name]);
    } finally {
      place.remove();
    }
  });

  it('refuses a device node with a clear message in English and in 简体中文', async () => {
    await withDriver(appEnv(place), async (open) => {
      const app = await open();
      await openSrv(app);
      await checkRefusals(app, place.home, 'en', '/srv/swap-en.txt');

      await app.click('[data-nav="settings"]');
      await app.click('[data-language="zh-CN"]');
      await app.waitForText('[data-testid="screen-title"]', TEXT['zh-CN'].settings);
      await openSrv(app);
      await checkRefusals(app, place.home, 'zh-CN', '/srv/swap-zh.txt');
    });
  });
});
