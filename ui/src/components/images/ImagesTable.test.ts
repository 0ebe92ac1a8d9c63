import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import { filterSort, ImagesModel } from '../../lib/state/images.svelte';
import { Session } from '../../lib/state/session.svelte';
import ImagesScreen from './ImagesScreen.svelte';

function images() {
  return [
    fakeRow('nginx:1.25', { created: '2026-03-01T00:00:00Z', size: 70_000_000, shared: 5_000_000 }),
    fakeRow('alpine:3.20', { created: '2026-05-01T00:00:00Z', size: 3_500_000, shared: 0 }),
    fakeRow('ghcr.io/acme/api:v2', { created: '2026-01-01T00:00:00Z', size: 120_000_000, shared: 5_000_000 }),
  ];
}

async function setup(rows = images(), m = en) {
  const api = new FakeApi();
  api.images = rows;
  const model = new ImagesModel(api);
  render(ImagesScreen, { model, m, locale: m === zhCN ? 'zh-CN' : 'en' });
  await screen.findAllByTestId('image-row');
  return { api, model };
}

const shownNames = () =>
  screen.getAllByTestId('image-row').map((row) => {
    const cells = within(row).getAllByRole('cell');
    return `${cells[0]!.textContent?.trim()}:${cells[1]!.textContent?.trim()}`;
  });

describe('ImagesTable', () => {
  it('lists the newest image first with its ID, size and shared size', async () => {
    await setup();
    expect(shownNames()).toEqual(['alpine:3.20', 'nginx:1.25', 'ghcr.io/acme/api:v2']);
    const nginx = screen.getAllByTestId('image-row')[1]!;
    expect(nginx).toHaveTextContent('70 MB');
    expect(nginx).toHaveTextContent('5 MB');
    expect(within(nginx).getAllByRole('cell')[2]!.textContent).toMatch(/^[0-9a-f]{12}$/);
    expect(screen.getByTestId('usage-total')).toBeInTheDocument();
  });

  it('sorts by a column, and the other way on a second click', async () => {
    await setup();
    const size = screen.getByRole('button', { name: /^Size/ });
    await userEvent.click(size);
    expect(shownNames()).toEqual(['ghcr.io/acme/api:v2', 'nginx:1.25', 'alpine:3.20']);
    expect(size.closest('[role="columnheader"]')).toHaveAttribute('aria-sort', 'descending');
    await userEvent.click(size);
    expect(shownNames()).toEqual(['alpine:3.20', 'nginx:1.25', 'ghcr.io/acme/api:v2']);
    expect(size.closest('[role="columnheader"]')).toHaveAttribute('aria-sort', 'ascending');
    await userEvent.click(screen.getByRole('button', { name: /^Repository/ }));
    expect(shownNames()).toEqual(['alpine:3.20', 'ghcr.io/acme/api:v2', 'nginx:1.25']);
  });

  it('filters by name, tag or ID as you type and says when nothing matches', async () => {
    const rows = images();
    await setup(rows);
    const search = screen.getByRole('searchbox', { name: 'Search images' });
    await userEvent.type(search, 'acme');
    expect(shownNames()).toEqual(['ghcr.io/acme/api:v2']);
    expect(screen.getByTestId('images-count')).toHaveTextContent('1 of 3');
    await userEvent.clear(search);
    await userEvent.type(search, rows[0]!.id.slice(0, 8));
    expect(shownNames()).toEqual(['nginx:1.25']);
    await userEvent.type(search, 'zzz');
    expect(screen.queryAllByTestId('image-row')).toHaveLength(0);
    expect(screen.getByText(/No image matches/)).toBeInTheDocument();
  });

  it('keeps only a window of rows in the page with thousands of images', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => fakeRow(`app${i}:v${i}`, { size: i }));
    await setup(many);
    const drawn = screen.getAllByTestId('image-row').length;
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(100);
    expect(screen.getByTestId('images-count')).toHaveTextContent('5000 of 5000');
  });

  it('shows the empty state when the store has no image', async () => {
    const api = new FakeApi();
    render(ImagesScreen, { model: new ImagesModel(api), m: zhCN, locale: 'zh-CN' });
    expect(await screen.findByTestId('empty-title')).toHaveTextContent('还没有镜像');
    expect(screen.queryByTestId('images-table')).toBeNull();
  });

  it('speaks Chinese in the headers', async () => {
    await setup(images(), zhCN);
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent?.trim());
    expect(headers.slice(0, 6)).toEqual(['仓库', '标签', '镜像 ID', '创建时间 ▼', '大小', '共享']);
  });
});

describe('filterSort', () => {
  it('needs every word, in any column', () => {
    const rows = images();
    expect(filterSort(rows, 'nginx 1.25', { key: 'repository', dir: 'asc' })).toHaveLength(1);
    expect(filterSort(rows, 'nginx 3.20', { key: 'repository', dir: 'asc' })).toHaveLength(0);
  });

  it('puts images without a creation time last when newest come first', () => {
    const rows = [fakeRow('a:1', { created: null }), fakeRow('b:1', { created: '2026-01-01T00:00:00Z' })];
    expect(filterSort(rows, '', { key: 'created', dir: 'desc' }).map((r) => r.repository)).toEqual(['b', 'a']);
  });
});

describe('ImagesView', () => {
  it('still updates the table after leaving the screen and coming back', async () => {
    const { default: ImagesView } = await import('../views/ImagesView.svelte');
    const api = new FakeApi();
    api.images = [fakeRow('first:1')];
    const session = new Session(api);
    const one = render(ImagesView, { m: en, locale: 'en', session });
    await screen.findAllByTestId('image-row');
    one.unmount();
    api.images = [fakeRow('first:1'), fakeRow('second:1')];
    render(ImagesView, { m: en, locale: 'en', session });
    await new Promise((r) => setTimeout(r, 0));
    expect(shownNames().sort()).toEqual(['first:1', 'second:1']);
    expect(screen.getByTestId('images-count')).toHaveTextContent('2 of 2');
  });
});
