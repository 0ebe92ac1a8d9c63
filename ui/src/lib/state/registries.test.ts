import { describe, expect, it } from 'vitest';
import type { TagPage } from '../bindings.gen';
import { FakeApi } from '../ipc/fake';
import { fakeDetails } from '../ipc/fake-registries';
import { RegistriesModel } from './registries.svelte';

const HOST = '127.0.0.1:5000';

function apiWith(count: number) {
  const api = new FakeApi();
  api.reg.add({ endpoint: HOST, name: null, provider: 'generic', username: null, insecure: true, ca_file: null });
  const names = Array.from({ length: count }, (_, i) => `v${String(i).padStart(5, '0')}`);
  api.reg.repos[HOST] = {
    'team/big': new Map(names.map((n) => [n, fakeDetails(n)])),
    'team/small': new Map([['1.0', fakeDetails('1.0')]]),
  };
  return api;
}

/** Holds every page after the first until `release` is called. */
function gate(api: FakeApi) {
  const real = api.listTagsPage.bind(api);
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  api.listTagsPage = async (registry: string, repository: string, cursor: string | null): Promise<TagPage> => {
    if (cursor !== null) await opened;
    return real(registry, repository, cursor);
  };
  return open;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('RegistriesModel tag pages', () => {
  it('shows the first page at once and the rest as it comes', async () => {
    const api = apiWith(2500);
    const release = gate(api);
    const model = new RegistriesModel(api);
    const opening = model.openRepository(HOST, 'team/big');
    await settle();
    expect(model.tagsLoading).toBe(false);
    expect(model.tags).toHaveLength(1000);
    expect(model.tagsLoadingMore).toBe(true);
    release();
    await opening;
    expect(model.tags).toHaveLength(2500);
    expect(new Set(model.tags).size).toBe(2500);
    expect(model.tagsLoadingMore).toBe(false);
  });

  it('stops loading a repository that was left, and never mixes its tags in', async () => {
    const api = apiWith(2500);
    const release = gate(api);
    const model = new RegistriesModel(api);
    const big = model.openRepository(HOST, 'team/big');
    await settle();
    await model.openRepository(HOST, 'team/small');
    release();
    await big;
    expect(model.tags).toEqual(['1.0']);
    expect(model.tagsLoadingMore).toBe(false);
  });

  it('ends at a page that lists nothing new instead of asking for ever', async () => {
    const api = apiWith(10);
    let asked = 0;
    api.listTagsPage = async (): Promise<TagPage> => {
      asked += 1;
      return { tags: ['same'], next: `n=1&last=${asked}` };
    };
    const model = new RegistriesModel(api);
    await model.openRepository(HOST, 'team/big');
    expect(model.tags).toEqual(['same']);
    expect(asked).toBe(2);
  });
});
