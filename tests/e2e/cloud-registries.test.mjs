// A registry with a management API in the real app: Alibaba Cloud ACR Personal, played by
// the testkit's ACR API server on 127.0.0.1 (every request's ACS3 signature checked) beside
// a real docker-registry that accepts the server's temporary logins. Through the screens:
// add the registry with an AccessKey (a wrong secret refused, nothing saved), log in with
// no password, create a namespace and a repository through their dialogs, push an image
// made with `strata import-rootfs` to it (and to a repository that does not exist yet,
// which the Push dialog offers to create first), see its tag, delete the repository and
// see it gone; then, in Chinese, the dialogs again, a namespace deleted, and a second
// registry added with the cloud account the first one made (no AccessKey typed again). The AccessKey
// secret must appear in no IPC answer, on no page and in no file under the scratch folder.
// Screenshots land in target/e2e/cloud-*.png.
//
// Run inside tests/keychain/with-keychain.sh: the secret goes to a real Secret Service.

import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, startRegistry, withDriver } from './app.mjs';
import { count, invoke, rootfsImage, textOf, type, waitFor } from './fixtures.mjs';

const KEY_ID = 'LTAI5tGuiTestKey';
// Distinctive, so that finding it anywhere is a real leak and not a coincidence.
const SECRET = `ak-secret-${process.pid}-Wm4pQ8sT`;

const js = (v) => JSON.stringify(v);
const valueOf = (app, css) => app.execute(`const e = document.querySelector(${js(css)}); return e ? e.value : null`);
/** Chooses `value` in a <select>, as a person picking an option does (a change event). */
const choose = (app, css, value) =>
  app.execute(
    `const s = document.querySelector(${js(css)}); s.value = ${js(value)}; s.dispatchEvent(new Event('change', { bubbles: true })); return null`,
  );
const tagsShown = (app) => app.execute(`return [...document.querySelectorAll('[data-testid="tag-row"]')].map((r) => r.dataset.tag)`);
const repositoriesShown = (app) =>
  app.execute(`return [...document.querySelectorAll('[data-testid="tree-repository"]')].map((r) => r.dataset.repository)`);
const namespacesShown = (app) =>
  app.execute(`return [...document.querySelectorAll('[data-testid="tree-namespace"]')].map((r) => r.dataset.namespace)`);
const waitForPart = (app, css, text, timeout = 30_000) =>
  waitFor(`${css} to contain ${js(text)}`, async () => (await textOf(app, css))?.includes(text), timeout);
const shot = async (app, name) => {
  await sleep(500);
  return app.screenshot(join(SHOTS, `cloud-${name}.png`));
};

/** Closes a dialog with Escape, as a person would, and waits until it is gone. */
async function closeDialog(app, testid) {
  await app.execute(`window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' })); return null`);
  await waitFor(`${testid} to close`, async () => (await count(app, `[data-testid="${testid}"]`)) === 0);
}

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

/** Pushes the local `e2e/app:1` from its page to `remote`, typed as one full name. */
async function openPush(app, remote) {
  await app.click('[data-nav="images"]');
  // The image's page stays open from the last push; else open it from the table.
  if ((await count(app, '[data-testid="image-page"][data-reference="docker.io/e2e/app:1"]')) === 0) {
    const row = '[data-testid="image-row"][data-reference="docker.io/e2e/app:1"]';
    await app.find(row, { timeout: 20_000 });
    await app.click(`${row} button.open`);
  }
  await app.click('[data-testid="push-open"]');
  await app.find('[data-testid="push-dialog"]');
  await app.click('[data-testid="push-mode"]');
  await type(app, '[data-testid="push-full-input"]', remote);
  await waitForPart(app, '[data-testid="push-preview"]', remote);
}

/** Waits until the newest push task is done. */
async function pushDone(app, n) {
  const done = '[data-testid="task"][data-kind="push"][data-state="done"]';
  await waitFor(`push ${n} to finish`, async () => {
    const failed = await textOf(app, '[data-testid="task"][data-kind="push"][data-state="failed"]');
    if (failed) throw new Error(`the push failed: ${failed}`);
    return (await count(app, done)) === n;
  }, 60_000);
}

describe('Registries with a management API (ACR Personal)', () => {
  let place;
  let registry;

  before(async () => {
    place = scratch('cloud');
    registry = await startRegistry('htpasswd', [], ['--acr-personal', `${KEY_ID}:${SECRET}`]);
    assert.ok(registry.acr?.url, js(registry));
    rootfsImage(place.home, join(place.dir, 'rootfs'), { 'etc/release': 'cloud e2e\n' }, 'e2e/app:1');
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await registry?.stop();
    place?.remove();
  });

  it('adds ACR with an AccessKey, creates a namespace and a repository, pushes, and deletes', async () => {
    const host = registry.host;
    await withDriver(appEnv(place), async (open) => {
      const app = await open();
      await app.click('[data-nav="registries"]');
      await app.waitForText('[data-testid="empty-title"]', 'No registries yet');

      // Add: ACR Personal, the region, this machine's registry and API, the AccessKey.
      await app.click('[data-testid="add-registry-open"]');
      await app.find('[data-testid="add-registry-dialog"]');
      await choose(app, '[data-testid="add-provider"]', 'acr_personal');
      await app.find('[data-testid="add-access-key-id"]');
      assert.equal(await valueOf(app, '[data-testid="add-region"]'), 'cn-hangzhou');
      assert.equal(await valueOf(app, '[data-testid="add-endpoint"]'), 'registry.cn-hangzhou.aliyuncs.com');
      await type(app, '[data-testid="add-endpoint"]', host);
      await type(app, '[data-testid="add-name"]', 'ACR (local)');
      await type(app, '[data-testid="add-api-endpoint"]', registry.acr.url);
      await type(app, '[data-testid="add-access-key-id"]', KEY_ID);
      // A wrong secret: the API refuses the signature and nothing is saved.
      await type(app, '[data-testid="add-access-key-secret"]', 'not-the-secret');
      await app.click('[data-testid="add-submit"]');
      const error = await app.find('[data-testid="add-error"]', { timeout: 30_000 });
      assert.equal(await app.execute(`return document.querySelector('[data-testid="add-error"]').dataset.code`), 'manage.signature_mismatch', js(error));
      assert.equal(await invoke(app, 'list_registries'), '[]', 'a refused AccessKey saves nothing');
      await app.execute(`document.querySelector('[data-testid="add-error"]').scrollIntoView(); return null`);
      await shot(app, 'add-refused');
      await type(app, '[data-testid="add-access-key-secret"]', SECRET);
      await shot(app, 'add');
      await app.click('[data-testid="add-submit"]');
      // Saved and logged in with a temporary password from the API: no password dialog.
      await waitForPart(app, '[data-testid="registries-status"]', `Logged in to ${host} as cr_temp_user`);
      assert.equal(await count(app, '[data-testid="login-dialog"]'), 0);
      await waitForPart(app, '[data-testid="tree-login-state"]', 'Logged in as cr_temp_user');

      // New namespace: the name is checked as it is typed.
      await app.click('[data-testid="tree-new-namespace"]');
      await app.find('[data-testid="new-namespace-dialog"]');
      await type(app, '[data-testid="new-namespace-name"]', 'Team');
      assert.equal(await app.execute(`return document.querySelector('[data-testid="new-namespace-submit"]').disabled`), true);
      await waitForPart(app, '[data-testid="new-namespace-rule"]', '2 to 64');
      await type(app, '[data-testid="new-namespace-name"]', 'team');
      await shot(app, 'new-namespace');
      await app.click('[data-testid="new-namespace-submit"]');
      await waitForPart(app, '[data-testid="registries-status"]', 'Created namespace team.');
      await waitFor('the namespace in the tree', async () => js(await namespacesShown(app)) === js(['team']));

      // New repository in it: summary, description, public.
      await app.click('[data-testid="tree-namespace"][data-namespace="team"] [data-testid="tree-new-repository"]');
      await app.find('[data-testid="new-repository-dialog"]');
      assert.equal(await valueOf(app, '[data-testid="new-repository-namespace"]'), 'team');
      await type(app, '[data-testid="new-repository-name"]', 'app');
      await type(app, '[data-testid="new-repository-summary"]', 'the web app');
      await type(app, '[data-testid="new-repository-detail"]', 'Pushed by the GUI test.');
      await app.click('[data-testid="new-repository-public"]');
      await shot(app, 'new-repository');
      await app.click('[data-testid="new-repository-submit"]');
      await waitForPart(app, '[data-testid="registries-status"]', 'Created repository team/app.');
      await waitForPart(app, '[data-testid="open-repository"]', `${host}/team/app`);
      await waitForPart(app, '[data-testid="repository-summary"]', 'the web app');
      await waitForPart(app, '[data-testid="repository-detail"]', 'Pushed by the GUI test.');
      await waitForPart(app, '[data-testid="tree-repository"][data-repository="team/app"] [data-testid="repo-visibility"]', 'Public');
      await app.find('[data-testid="no-tags"]');

      // Push to it: it exists, so the push starts at once.
      await openPush(app, `${host}/team/app:1`);
      await app.click('[data-testid="push-submit"]');
      await pushDone(app, 1);

      // Push to a repository the API does not have: the dialog offers to create it first.
      await openPush(app, `${host}/team/tool:1`);
      await app.click('[data-testid="push-submit"]');
      await waitForPart(app, '[data-testid="push-create-repository"]', `team/tool does not exist on ${host}`);
      assert.equal(await valueOf(app, '[data-testid="push-create-summary"]'), 'tool');
      await shot(app, 'push-create');
      await app.click('[data-testid="push-submit"]');
      await pushDone(app, 2);

      // The tags table shows the pushed tag; the new repository is in the tree, private.
      await app.click('[data-nav="registries"]');
      await app.click('[data-testid="tree-repository"][data-repository="team/app"] button');
      await waitFor('the tag of team/app', async () => js(await tagsShown(app)) === js(['1']));
      await waitForPart(app, '[data-testid="tree-repository"][data-repository="team/tool"] [data-testid="repo-visibility"]', 'Private');
      await shot(app, 'tags');

      // Delete the repository: the question names it and its tag; the name is typed again.
      await app.click('[data-testid="delete-repository-open"]');
      await waitForPart(app, '[data-testid="delete-managed-question"]', 'Delete repository team/app and its 1 tag?');
      assert.equal(await app.execute(`return document.querySelector('[data-testid="delete-managed-submit"]').disabled`), true);
      await type(app, '[data-testid="delete-managed-confirm"]', 'team/app');
      await shot(app, 'delete-repository');
      await app.click('[data-testid="delete-managed-submit"]');
      await waitForPart(app, '[data-testid="registries-status"]', 'Deleted repository team/app.');
      await waitFor('team/app to be gone', async () => js(await repositoriesShown(app)) === js(['team/tool']));
      assert.equal(await count(app, '[data-testid="open-repository"]'), 0);
      await shot(app, 'deleted');

      // In Chinese: the same screen, the dialogs, and a namespace deleted with what is in it.
      await app.click('[data-nav="settings"]');
      await app.click('[data-language="zh-CN"]');
      await app.click('[data-nav="registries"]');
      await app.click('[data-testid="tree-repository"][data-repository="team/tool"] button');
      await waitForPart(app, '[data-testid="repository-summary"]', 'tool');
      await waitForPart(app, '[data-testid="open-visibility"]', '私有');
      await shot(app, 'zh-tree');
      await app.click('[data-testid="tree-namespace"][data-namespace="team"] [data-testid="tree-new-repository"]');
      await app.find('[data-testid="new-repository-dialog"]');
      await type(app, '[data-testid="new-repository-name"]', 'tool');
      await type(app, '[data-testid="new-repository-summary"]', '重复的名字');
      await app.click('[data-testid="new-repository-submit"]');
      // The API's refusal, in Chinese: its summary and hint.
      await waitForPart(app, '[data-testid="new-repository-error"] [data-testid="problem-hint"]', '该名称已被占用');
      await shot(app, 'zh-new-repository-refused');
      await closeDialog(app, 'new-repository-dialog');
      await app.click('[data-testid="add-registry-open"]');
      await choose(app, '[data-testid="add-provider"]', 'acr_enterprise');
      await app.find('[data-testid="add-instance"]');
      await shot(app, 'zh-add-enterprise');
      await closeDialog(app, 'add-registry-dialog');
      await app.click('[data-testid="tree-namespace"][data-namespace="team"] [data-testid="tree-delete-namespace"]');
      await waitForPart(app, '[data-testid="delete-managed-question"]', '删除命名空间 team 及其 1 个仓库？');
      await type(app, '[data-testid="delete-managed-confirm"]', 'team');
      await shot(app, 'zh-delete-namespace');
      await app.click('[data-testid="delete-managed-submit"]');
      await waitForPart(app, '[data-testid="registries-status"]', '已删除命名空间 team。');
      await waitFor('the namespace to be gone', async () => js(await namespacesShown(app)) === js([]));
      await shot(app, 'zh-deleted');

      // A second registry picks the cloud account the first one made (named after it): no
      // AccessKey typed again; the account list shows the ID masked and both registries.
      await app.click('[data-testid="add-registry-open"]');
      await choose(app, '[data-testid="add-provider"]', 'acr_personal');
      await app.find('[data-testid="add-account"]');
      await choose(app, '[data-testid="add-account"]', 'ACR (local)');
      await waitFor('the AccessKey fields to go', async () => (await count(app, '[data-testid="add-access-key-id"]')) === 0);
      await type(app, '[data-testid="add-endpoint"]', host.replace('127.0.0.1', 'localhost'));
      await type(app, '[data-testid="add-name"]', 'ACR (second)');
      await type(app, '[data-testid="add-api-endpoint"]', registry.acr.url);
      await shot(app, 'zh-add-with-account');
      await app.click('[data-testid="add-save-only"]');
      await waitFor('the dialog to close', async () => (await count(app, '[data-testid="add-registry-dialog"]')) === 0, 30_000);
      await waitForPart(app, '[data-testid="cloud-account"][data-name="ACR (local)"] [data-testid="cloud-account-registries"]', 'ACR (local), ACR (second)');
      assert.equal(await textOf(app, '[data-testid="cloud-account-id"]'), 'LTAI****tKey');
      await shot(app, 'zh-cloud-accounts');

      // The AccessKey secret in no IPC answer of this screen…
      const answers = [
        await invoke(app, 'list_registries'),
        await invoke(app, 'list_accounts'),
        await invoke(app, 'registry_presets'),
        await invoke(app, 'browse_registry', { registry: host }),
        await invoke(app, 'push_targets'),
        await invoke(app, 'missing_repository', { remote: `${host}/team/app:1` }),
        await invoke(app, 'create_namespace', { registry: host, name: 'again', public: false }),
        await invoke(app, 'repository_info', { registry: host, namespace: 'again', name: 'none' }),
        await invoke(app, 'login_with_api', { registry: host }),
        await invoke(app, 'list_cloud_accounts'),
      ];
      assert.ok(answers[0].includes(`"access_key_id":"${KEY_ID}"`), answers[0]);
      assert.ok(answers[0].includes('"api_login":true'), answers[0]);
      assert.ok(answers.at(-1).includes(`"access_key_id":"${KEY_ID}"`), answers.at(-1));
      for (const a of answers) assert.ok(!a.includes(SECRET), `an IPC answer holds the AccessKey secret: ${a}`);
      // …nor on the page.
      const page = await app.execute('return document.documentElement.outerHTML');
      assert.ok(!page.includes(SECRET), 'the page shows the AccessKey secret');
    });

    // …nor in any file the app wrote (registries.json and cloud-accounts.json hold the ID only).
    const files = filesUnder(place.dir);
    for (const name of ['registries.json', 'cloud-accounts.json']) {
      const saved = files.find((f) => f.endsWith(name));
      assert.ok(saved, `${name} in ${files.join('\n')}`);
      assert.ok(readFileSync(saved, 'utf8').includes(KEY_ID));
    }
    for (const f of files) {
      assert.ok(!readFileSync(f).includes(SECRET), `${f} holds the AccessKey secret`);
    }
  });
});
