import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeDetails } from '../../lib/ipc/fake-registries';
import { RegistriesModel, sortTags, type Detail } from '../../lib/state/registries.svelte';
import RegistriesScreen from './RegistriesScreen.svelte';
import TagsTable from './TagsTable.svelte';

const HOST = '127.0.0.1:5000';

const shown = () => screen.getAllByTestId('tag-row').map((r) => r.dataset.tag);

describe('TagsTable', () => {
  it('draws only a window of rows with 10,000 tags, and fetches details only for those', async () => {
    const api = new FakeApi();
    api.reg.add({ endpoint: HOST, name: null, provider: 'generic', username: null, insecure: true, ca_file: null });
    api.reg.repos[HOST] = { 'big/repo': new Map(Array.from({ length: 10_000 }, (_, i) => [`v${i}`, fakeDetails(`v${i}`)])) };
    const model = new RegistriesModel(api);
    render(RegistriesScreen, { model, m: en, locale: 'en' });
    await model.refresh();
    await model.openRepository(HOST, 'big/repo');
    const rows = await screen.findAllByTestId('tag-row');
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(100);
    expect(screen.getByTestId('tag-count')).toHaveTextContent('10000 tags');
    // Natural order: v0, v1, v2 … not v0, v1, v10.
    expect(shown().slice(0, 3)).toEqual(['v0', 'v1', 'v2']);
    // Details come for the visible rows only.
    await waitFor(() => expect(within(rows[0]!).getByTestId('tag-digest').textContent).toMatch(/^[0-9a-f]{12}$/));
    await waitFor(() => expect(model.details.size).toBe(rows.length));
    const asked = api.calls.filter((c) => c.method === 'tagDetails').length;
    expect(asked).toBe(rows.length);
  });

  it('sorts by name both ways and by created time, newest first', async () => {
    const details = new Map<string, Detail>([
      ['v10', fakeDetails('v10', undefined, '2026-03-01T00:00:00Z')],
      ['v2', fakeDetails('v2', undefined, '2026-05-01T00:00:00Z')],
      ['latest', fakeDetails('latest', undefined, '2026-01-01T00:00:00Z')],
    ]);
    type Sort = { key: 'tag' | 'created'; dir: 'asc' | 'desc' };
    let sort: Sort = { key: 'tag', dir: 'asc' };
    const tags = ['v10', 'v2', 'latest', 'unknown'];
    const view = render(TagsTable, {
      tags: sortTags(tags, sort, details),
      details,
      sort,
      m: en,
      locale: 'en',
      onsort: (key: Sort['key']) => {
        sort = sort.key === key ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'created' ? 'desc' : 'asc' };
        void view.rerender({ sort, tags: sortTags(tags, sort, details) });
      },
      onwant: () => {},
      onaction: () => {},
    });
    expect(shown()).toEqual(['latest', 'unknown', 'v2', 'v10']);
    await userEvent.click(screen.getByRole('button', { name: /^Tag/ }));
    expect(shown()).toEqual(['v10', 'v2', 'unknown', 'latest']);
    const created = screen.getByRole('button', { name: /^Created/ });
    await userEvent.click(created);
    // Newest first; a tag whose time is not known yet goes last.
    expect(shown()).toEqual(['v2', 'v10', 'latest', 'unknown']);
    expect(created.closest('[role="columnheader"]')).toHaveAttribute('aria-sort', 'descending');
    await userEvent.click(created);
    expect(shown()).toEqual(['latest', 'v10', 'v2', 'unknown']);
  });

  it('deletes a tag after warning about the tags that share its digest', async () => {
    const api = new FakeApi();
    api.reg.add({ endpoint: HOST, name: null, provider: 'generic', username: null, insecure: true, ca_file: null });
    const same = 'sha256:' + 'ab'.repeat(32);
    api.reg.repos[HOST] = {
      'team/app': new Map([
        ['1.0', fakeDetails('1.0', same)],
        ['stable', fakeDetails('stable', same)],
        ['2.0', fakeDetails('2.0')],
      ]),
    };
    const model = new RegistriesModel(api);
    render(RegistriesScreen, { model, m: en, locale: 'en' });
    await model.refresh();
    await model.openRepository(HOST, 'team/app');
    const row = (await screen.findAllByTestId('tag-row')).find((r) => r.dataset.tag === '1.0')!;
    await userEvent.click(within(row).getByRole('button', { name: 'Delete…' }));
    expect(await screen.findByTestId('delete-tag-shared')).toHaveTextContent('stable');
    const submit = screen.getByTestId('delete-tag-submit');
    expect(submit).toBeDisabled();
    await userEvent.click(screen.getByTestId('delete-tag-agree'));
    await userEvent.click(submit);
    await waitFor(() => expect(shown()).toEqual(['2.0']));
    expect(screen.getByTestId('registries-status')).toHaveTextContent('Deleted 1.0.');
  });
});
