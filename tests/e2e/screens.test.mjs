// The first GUI test: open the real app, visit every screen, switch the language
// to 简体中文 and back, check that what is on screen changes and is remembered, and keep a
// screenshot of every screen in both languages under target/e2e/.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, withDriver } from './app.mjs';

const SCREENS = ['images', 'containers', 'registries', 'tasks', 'settings'];

// What a person sees on each screen: the sidebar label, the title, the empty state.
const TEXT = {
  en: {
    nav: ['Images', 'Containers', 'Registries', 'Tasks', 'Settings'],
    empty: {
      images: 'No images yet',
      containers: 'No containers yet',
      registries: 'No registries yet',
      tasks: 'Nothing running',
    },
  },
  'zh-CN': {
    nav: ['镜像', '容器', '镜像仓库', '任务', '设置'],
    empty: {
      images: '还没有镜像',
      containers: '还没有容器',
      registries: '还没有镜像仓库',
      tasks: '没有正在进行的任务',
    },
  },
};

async function navLabels(session) {
  const labels = [];
  for (const screen of SCREENS) labels.push(await session.text(`[data-nav="${screen}"]`));
  return labels;
}

/** Visits every screen, checks its title and empty state, and saves a screenshot. */
async function visitAll(session, locale) {
  const text = TEXT[locale];
  assert.deepEqual(await navLabels(session), text.nav);
  for (const [i, screen] of SCREENS.entries()) {
    await session.click(`[data-nav="${screen}"]`);
    await session.find(`main[data-screen="${screen}"]`);
    await session.waitForText('[data-testid="screen-title"]', text.nav[i]);
    if (screen !== 'settings') {
      await session.waitForText('[data-testid="empty-title"]', text.empty[screen]);
      const body = await session.text('[data-testid="empty-body"]');
      assert.ok(body.length > 20, `${screen} (${locale}) has an empty state that explains: ${body}`);
    }
    await session.screenshot(join(SHOTS, `${screen}-${locale}.png`));
  }
}

function savedLanguage(place) {
  return JSON.parse(readFileSync(join(place.home, 'settings.json'), 'utf8')).language;
}

describe('Strata window', () => {
  const place = scratch('screens');
  before(() => mkdirSync(SHOTS, { recursive: true }));
  after(() => place.remove());

  it('shows every screen, switches to 简体中文 and back, and remembers the choice', async () => {
    await withDriver(appEnv(place), async (open) => {
      let app = await open();
      assert.equal(await app.title(), 'Strata');
      // First start, English system locale: English.
      await visitAll(app, 'en');

      await app.click('[data-nav="settings"]');
      await app.click('[data-language="zh-CN"]');
      // Applies at once, without a restart.
      await app.waitForText('[data-testid="screen-title"]', '设置');
      assert.equal(savedLanguage(place), 'zh-CN');
      await visitAll(app, 'zh-CN');
      await app.close();

      // A new start keeps 简体中文; switching back to English applies at once too.
      app = await open();
      assert.deepEqual(await navLabels(app), TEXT['zh-CN'].nav);
      await app.click('[data-nav="settings"]');
      await app.click('[data-language="en"]');
      await app.waitForText('[data-testid="screen-title"]', 'Settings');
      assert.deepEqual(await navLabels(app), TEXT.en.nav);
      assert.equal(savedLanguage(place), 'en');

      // The dark theme, for the record.
      await app.click('[data-theme-option="dark"]');
      await app.click('[data-nav="images"]');
      await app.waitForText('[data-testid="empty-title"]', TEXT.en.empty.images);
      await app.screenshot(join(SHOTS, 'images-en-dark.png'));
      await app.click('[data-nav="settings"]');
      await app.click('[data-theme-option="system"]');
    });
  });
});

describe('first start', () => {
  it('follows a Chinese system locale', async () => {
    const place = scratch('zh');
    try {
      await withDriver(appEnv(place, { lang: 'zh_CN.UTF-8', language: 'zh_CN' }), async (open) => {
        const app = await open();
        await app.waitForText('[data-testid="empty-title"]', TEXT['zh-CN'].empty.images);
        assert.deepEqual(await navLabels(app), TEXT['zh-CN'].nav);
      });
    } finally {
      place.remove();
    }
  });
});

describe('errors', () => {
  it('a broken settings file is shown with its message and hint, and the app still works', async () => {
    const place = scratch('broken');
    try {
      mkdirSync(place.home, { recursive: true });
      writeFileSync(join(place.home, 'settings.json'), '{ "language": ');
      await withDriver(appEnv(place), async (open) => {
        const app = await open();
        const banner = await app.text('[role="alert"]');
        assert.match(banner, /settings file .*settings\.json is not valid/);
        assert.match(banner, /What to do: fix the file or delete it/);
        await app.screenshot(join(SHOTS, 'error-banner-en.png'));
        // The rest of the window is usable.
        await app.click('[data-nav="registries"]');
        await app.waitForText('[data-testid="empty-title"]', TEXT.en.empty.registries);
      });
    } finally {
      place.remove();
    }
  });
});
