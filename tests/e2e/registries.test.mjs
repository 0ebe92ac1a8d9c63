// The Registries screen in the real app: add a registry through the
// form, log in (the password checked by the registry, then kept in a real gnome-keyring),
// browse namespace → repository → tags, open the push script and copy it, delete a tag and
// see it gone (and skopeo agrees), copy a tag to another repository as a task. Then the password must appear nowhere: not in any IPC
// answer of the Registries commands, not in any file under the scratch folder (store,
// settings, registries.json, accounts.json). Screenshots land in target/e2e/registries-*.png.
//
// Run inside tests/keychain/with-keychain.sh (a private, unlocked Secret Service). The
// registry is Debian's docker-registry on 127.0.0.1 with htpasswd auth; two images are
// made with `strata import-rootfs` and pushed with the CLI (`--creds`) before the app starts.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, startRegistry, strata, withDriver } from './app.mjs';
import { invoke, rootfsImage, textOf, type, waitFor } from './fixtures.mjs';

const USER = 'alice';
// Distinctive, so that finding it anywhere is a real leak and not a coincidence.
const PASSWORD = `pw-${process.pid}-Zq7vX3kR`;

const js = (v) => JSON.stringify(v);
const valueOf = (app, css) => app.execute(`const e = document.querySelector(${js(css)}); return e ? e.value : null`);
const tagsShown = (app) => app.execute(`return [...document.querySelectorAll('[data-testid="tag-row"]')].map((r) => r.dataset.tag)`);
/** Waits until the element matching `css` contains `text`. */
const waitForPart = (app, css, text, timeout = 30_000) =>
  waitFor(`${css} to contain ${js(text)}`, async () => (await textOf(app, css))?.includes(text), timeout);
const shot = async (app, name) => {
  await sleep(500);
  return app.screenshot(join(SHOTS, `registries-${name}.png`));
};

/** Every regular file under `dir` (recursively). */
function filesUnder(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) out.push(...filesUnder(path));
    else if (st.isFile()) out.push(path);
  }
  return out;
}

function skopeoTags(registry, repository) {
  const out = execFileSync(
    'skopeo',
    ['list-tags', '--tls-verify=false', '--creds', `${USER}:${PASSWORD}`, `docker://${registry.host}/${repository}`],
    { encoding: 'utf8' },
  );
  return JSON.parse(out).Tags.sort();
}

describe('Registries screen', () => {
  let place;
  let registry;

  before(async () => {
    place = scratch('registries');
    registry = await startRegistry('htpasswd', [{ name: USER, password: PASSWORD }]);
    const creds = `${USER}:${PASSWORD}`;
    for (const n of [1, 2]) {
      rootfsImage(place.home, join(place.dir, `rootfs${n}`), { 'etc/release': `image ${n}\n` }, `e2e/app:${n}`);
    }
    for (const [local, remote] of [
      ['e2e/app:1', 'team/app:1.0'],
      ['e2e/app:2', 'team/app:2.0'],
      ['e2e/app:1', 'team/tool:latest'],
    ]) {
      strata(place.home, ['push', local, `${registry.host}/${remote}`, '--creds', creds]);
    }
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await registry?.stop();
    place?.remove();
  });

  it('adds a registry, logs in, browses, copies the push script and deletes a tag', async () => {
    await withDriver(appEnv(place), async (open) => {
      const app = await open();
      await app.click('[data-nav="registries"]');
      await app.waitForText('[data-testid="empty-title"]', 'No registries yet');
      await shot(app, 'empty');

      // Add: generic provider (the default), endpoint, insecure, username; then log in.
      await app.click('[data-testid="add-registry-open"]');
      await app.find('[data-testid="add-registry-dialog"]');
      assert.equal(await valueOf(app, '[data-testid="add-provider"]'), 'generic');
      await type(app, '[data-testid="add-endpoint"]', registry.host);
      await app.click('[data-testid="add-insecure"]');
      await type(app, '[data-testid="add-username"]', USER);
      await shot(app, 'add');
      await app.click('[data-testid="add-submit"]');
      await app.find('[data-testid="login-dialog"]');
      assert.equal(await valueOf(app, '[data-testid="login-username"]'), USER);
      assert.equal(await valueOf(app, '[data-testid="login-password"]'), '', 'the password field starts empty');
      await type(app, '[data-testid="login-password"]', 'wrong-password');
      await app.click('[data-testid="login-submit"]');
      await waitForPart(app, '[data-testid="login-error"]', 'refused the login');
      await type(app, '[data-testid="login-password"]', PASSWORD);
      await shot(app, 'login');
      await app.click('[data-testid="login-submit"]');
      await waitForPart(app, '[data-testid="registries-status"]', `Logged in to ${registry.host} as ${USER}`);
      await waitForPart(app, '[data-testid="tree-login-state"]', `Logged in as ${USER}`);

      // Browse: namespace → repository → tags (with details for the rows in view).
      const team = '[data-testid="tree-namespace"][data-namespace="team"]';
      await app.find(team, { timeout: 30_000 });
      await app.click(`${team} button`);
      await app.click('[data-testid="tree-repository"][data-repository="team/app"] button');
      await waitFor('the tags of team/app', async () => js(await tagsShown(app)) === js(['1.0', '2.0']));
      await waitFor('the digests of the visible tags', async () =>
        /^[0-9a-f]{12}$/.test((await textOf(app, '[data-testid="tag-row"][data-tag="2.0"] [data-testid="tag-digest"]'))?.trim() ?? ''),
      );
      await shot(app, 'tags');

      // Push script: endpoint and username filled in; copy it.
      await app.click('[data-testid="script-open"]');
      const script = await waitFor('the push script', async () => {
        const text = await valueOf(app, '[data-testid="script-text"]');
        return text?.includes('docker push') ? text : null;
      });
      assert.ok(script.includes(`docker login --username=${USER} ${registry.host}`), script);
      assert.ok(script.includes(`docker push ${registry.host}/team/app:[tag]`), script);
      await app.click('[data-testid="script-copy"]');
      await waitForPart(app, '[data-testid="script-copied"]', 'Copied to the clipboard');
      await app.click('[data-testid="script-tool-strata"]');
      await waitFor('the strata variant', async () =>
        (await valueOf(app, '[data-testid="script-text"]'))?.includes(`strata login --username=${USER} --password-stdin ${registry.host}`),
      );
      await shot(app, 'script');
      await app.execute(`document.querySelector('[data-testid="script-dialog"] .st-btn').click(); return null`);

      // Delete 2.0: its digest is its own, so nothing else goes; the row disappears.
      await app.click('[data-testid="tag-row"][data-tag="2.0"] [data-action="delete"]');
      await waitForPart(app, '[data-testid="delete-tag-digest"]', 'sha256:');
      assert.equal(await textOf(app, '[data-testid="delete-tag-shared"]'), null);
      await shot(app, 'delete');
      await app.click('[data-testid="delete-tag-submit"]');
      await waitFor('2.0 to be gone', async () => js(await tagsShown(app)) === js(['1.0']));
      await waitForPart(app, '[data-testid="registries-status"]', 'Deleted 2.0.');
      assert.deepEqual(skopeoTags(registry, 'team/app'), ['1.0'], 'the registry agrees');
      await shot(app, 'deleted');

      // Copy 1.0 to another repository: a task (no local copy); skopeo sees the new tag.
      await app.click('[data-testid="tag-row"][data-tag="1.0"] [data-action="copy"]');
      await type(app, '[data-testid="copy-target"]', `${registry.host}/team/copied:1.0`);
      await shot(app, 'copy');
      await app.click('[data-testid="copy-submit"]');
      await waitForPart(app, '[data-testid="registries-status"]', `${registry.host}/team/copied:1.0`);
      await waitFor('the copy to reach the registry', async () => {
        try {
          return js(skopeoTags(registry, 'team/copied')) === js(['1.0']);
        } catch {
          return false;
        }
      });
      await app.click('[data-nav="tasks"]');
      await app.find('[data-testid="task"][data-kind="copy"][data-state="done"]', { timeout: 30_000 });
      assert.ok((await textOf(app, '[data-testid="task"][data-kind="copy"]')).includes(`${registry.host}/team/copied:1.0`));
      await app.click('[data-nav="registries"]');
      await app.find('[data-testid="tags-table"]');
      // The tree lists the new repository once the copy is done.
      await app.find('[data-testid="tree-repository"][data-repository="team/copied"]');
      await shot(app, 'copied');

      // The password in no IPC answer of this screen…
      const answers = [
        await invoke(app, 'list_registries'),
        await invoke(app, 'list_accounts'),
        await invoke(app, 'browse_registry', { registry: registry.host }),
        await invoke(app, 'list_tags', { registry: registry.host, repository: 'team/app' }),
        await invoke(app, 'tag_details', { registry: registry.host, repository: 'team/app', tag: '1.0' }),
        await invoke(app, 'push_script', { registry: registry.host, repository: 'team/app', tool: 'strata', vpc: false }),
      ];
      assert.ok(answers[1].includes(`"username":"${USER}"`), answers[1]);
      for (const a of answers) assert.ok(!a.includes(PASSWORD), `an IPC answer holds the password: ${a}`);
      // …nor on the page.
      const page = await app.execute('return document.documentElement.outerHTML');
      assert.ok(!page.includes(PASSWORD), 'the page shows the password');
    });

    // …nor in any file the app or the CLI wrote (registries.json, accounts.json, settings).
    const files = filesUnder(place.dir);
    assert.ok(files.some((f) => f.endsWith('registries.json')), files.join('\n'));
    assert.ok(files.some((f) => f.endsWith('accounts.json')), files.join('\n'));
    for (const f of files) {
      assert.ok(!readFileSync(f).includes(PASSWORD), `${f} holds the password`);
    }
    // The secret is in the keychain: a new process (the CLI) logs in with it.
    const out = strata(place.home, ['login', registry.host, '-u', USER]);
    assert.match(out, /Login succeeded with the saved secret/);
  });
});
