import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { OutdatedImage } from '../../lib/bindings.gen';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import { ImagesModel, UPDATE_INTERVAL } from '../../lib/state/images.svelte';
import ImagesScreen from './ImagesScreen.svelte';

const OLD = 'sha256:' + 'a'.repeat(64);
const NEW = 'sha256:' + 'b'.repeat(64);

function setup(m = en) {
  const api = new FakeApi();
  api.images = [fakeRow('ghcr.io/acme/api:v2'), fakeRow('nginx:1.25'), fakeRow('127.0.0.1:1/team/gone:1')];
  const outdated: OutdatedImage[] = [
    { name: 'ghcr.io/acme/api:v2', local: OLD, state: 'update_available', remote: NEW },
    { name: 'docker.io/library/nginx:1.25', local: OLD, state: 'up_to_date', remote: OLD },
    {
      name: '127.0.0.1:1/team/gone:1',
      local: OLD,
      state: 'cannot_check',
      problem: { code: 'registry.connect', message: 'cannot connect to 127.0.0.1:1' },
    },
  ];
  api.outdated = outdated;
  const model = new ImagesModel(api);
  render(ImagesScreen, { model, m, locale: m === zhCN ? 'zh-CN' : 'en' });
  return { api, model };
}

const row = (name: string) => screen.getAllByTestId('image-row').find((r) => r.dataset.reference === name)!;

describe('Update available', () => {
  it('checks once in the background when the screen opens, and badges only the image with an update', async () => {
    const { api } = setup();
    await screen.findAllByTestId('image-row');
    const badge = await screen.findByTestId('update-badge');
    expect(within(row('ghcr.io/acme/api:v2')).getByTestId('update-badge')).toBe(badge);
    expect(badge).toHaveTextContent('Update available');
    expect(badge.title).toContain('bbbbbbbbbbbb');
    expect(screen.getAllByTestId('update-badge')).toHaveLength(1);
    expect(api.calls.filter((c) => c.method === 'checkUpdates')).toEqual([{ method: 'checkUpdates', arg: null }]);
  });

  it('checks again at most once an hour', async () => {
    const { api, model } = setup();
    await screen.findByTestId('update-badge');
    const at = model.checkedAt!;
    model.maybeCheckUpdates(at + UPDATE_INTERVAL - 1);
    expect(api.calls.filter((c) => c.method === 'checkUpdates')).toHaveLength(1);
    model.maybeCheckUpdates(at + UPDATE_INTERVAL);
    await waitFor(() => expect(api.calls.filter((c) => c.method === 'checkUpdates')).toHaveLength(2));
  });

  it('"Check for updates" says what it found, and names what could not be checked with its code', async () => {
    setup();
    await screen.findByTestId('update-badge');
    await userEvent.click(screen.getByTestId('check-updates'));
    const status = await screen.findByTestId('images-status');
    expect(status).toHaveTextContent('1 image(s) have an update on their registry.');
    expect(status).toHaveTextContent('1 could not be checked: 127.0.0.1:1/team/gone:1 (registry.connect).');
  });

  it('a click on the badge pulls the new image as a task', async () => {
    const { api } = setup();
    await userEvent.click(await screen.findByTestId('update-badge'));
    expect(api.calls.find((c) => c.method === 'pullImage')?.arg).toEqual({ reference: 'ghcr.io/acme/api:v2', platform: null });
    expect(await screen.findByTestId('images-status')).toHaveTextContent('ghcr.io/acme/api:v2');
  });

  it('speaks Chinese too', async () => {
    setup(zhCN);
    expect(await screen.findByTestId('update-badge')).toHaveTextContent('有更新');
    expect(screen.getByTestId('check-updates')).toHaveTextContent('检查更新');
  });
});
