import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from './App.svelte';
import { FakeApi } from './lib/ipc/fake';
import { AppModel } from './lib/state/app.svelte';

async function start(api: FakeApi, system: string[]) {
  const model = new AppModel(api, () => system);
  await model.init();
  render(App, { model });
  return model;
}

const emptyTitles = {
  en: ['No images yet', 'No containers yet', 'No registries yet', 'Nothing running'],
  'zh-CN': ['还没有镜像', '还没有容器', '还没有镜像仓库', '没有正在进行的任务'],
};

describe('App', () => {
  it('every work screen has an empty state that says what to do', async () => {
    await start(new FakeApi(), ['en-GB']);
    const nav = screen.getByRole('navigation');
    const seen = [];
    for (const name of ['Images', 'Containers', 'Registries', 'Tasks']) {
      await userEvent.click(within(nav).getByRole('button', { name }));
      expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(name);
      seen.push(screen.getByTestId('empty-title').textContent);
      expect(screen.getByTestId('empty-body').textContent?.length).toBeGreaterThan(40);
    }
    expect(seen).toEqual(emptyTitles.en);
    await userEvent.click(within(nav).getByRole('button', { name: 'Images' }));
    expect(screen.getByText('strata import app.tar')).toBeInTheDocument();
  });

  it('first start follows a Chinese system locale', async () => {
    await start(new FakeApi(), ['zh-CN']);
    expect(screen.getByTestId('empty-title')).toHaveTextContent(emptyTitles['zh-CN'][0]!);
    expect(within(screen.getByRole('navigation')).getByText('镜像仓库')).toBeInTheDocument();
  });

  it('a saved language beats the system locale', async () => {
    await start(new FakeApi({ language: 'en' }), ['zh-CN']);
    expect(screen.getByTestId('empty-title')).toHaveTextContent('No images yet');
  });

  it('shows a failed start-up call as a problem and still opens', async () => {
    const api = new FakeApi().fail('getSettings', {
      code: 'settings.invalid',
      message: 'the settings file /h/settings.json is not valid',
      hint: { key: 'settings.fix_or_delete', args: { path: '/h/settings.json' } },
    });
    await start(api, ['en']);
    expect(screen.getByRole('alert')).toHaveTextContent('is not valid');
    expect(screen.getByTestId('empty-title')).toHaveTextContent('No images yet');
  });

  it('tells the shell once that the first screen is up', async () => {
    const api = new FakeApi();
    await start(api, ['en']);
    await new Promise((r) => setTimeout(r, 50));
    expect(api.readyCount).toBe(1);
  });
});
