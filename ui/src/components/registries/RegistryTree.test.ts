import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeDetails } from '../../lib/ipc/fake-registries';
import { RegistriesModel } from '../../lib/state/registries.svelte';
import RegistriesScreen from './RegistriesScreen.svelte';

const HOST = '127.0.0.1:5000';

function tags(...names: string[]) {
  return new Map(names.map((n) => [n, fakeDetails(n)]));
}

function api() {
  const api = new FakeApi();
  api.reg.add({ endpoint: HOST, name: null, provider: 'generic', username: null, insecure: true, ca_file: null });
  api.reg.add({ endpoint: 'registry.cn-hangzhou.aliyuncs.com', name: 'hz', provider: 'acr_personal', username: 'dev@example.com', insecure: false, ca_file: null });
  api.reg.noCatalog.add('registry.cn-hangzhou.aliyuncs.com');
  api.reg.repos[HOST] = { 'team/app': tags('1.0', '2.0'), 'team/tool': tags('latest'), solo: tags('x') };
  return api;
}

async function setup(a = api(), m = en) {
  const model = new RegistriesModel(a);
  render(RegistriesScreen, { model, m, locale: m === zhCN ? 'zh-CN' : 'en' });
  await screen.findAllByTestId('tree-registry');
  return { api: a, model };
}

const registryNode = (endpoint: string) =>
  screen.getAllByTestId('tree-registry').find((n) => n.dataset.registry === endpoint)!;

describe('RegistryTree', () => {
  it('shows the empty state when no registry is saved', async () => {
    render(RegistriesScreen, { model: new RegistriesModel(new FakeApi()), m: zhCN, locale: 'zh-CN' });
    expect(await screen.findByTestId('empty-title')).toHaveTextContent('还没有镜像仓库');
    expect(screen.queryByTestId('registry-tree')).toBeNull();
  });

  it('opens registry → namespace → repository and lists its tags', async () => {
    const { api } = await setup();
    const node = registryNode(HOST);
    expect(within(node).getByTestId('tree-login-state')).toHaveTextContent('Not logged in');
    await userEvent.click(within(node).getByTestId('tree-registry-toggle'));
    const namespaces = await within(node).findAllByTestId('tree-namespace');
    expect(namespaces.map((n) => n.dataset.namespace)).toEqual(['(root)', 'team']);
    // Collapsed until opened.
    expect(within(node).queryAllByTestId('tree-repository')).toHaveLength(0);
    await userEvent.click(within(namespaces[1]!).getByRole('button', { name: /team/ }));
    const repos = within(node).getAllByTestId('tree-repository');
    expect(repos.map((r) => r.dataset.repository)).toEqual(['team/app', 'team/tool']);
    expect(repos[0]).toHaveTextContent('app');
    await userEvent.click(within(repos[0]!).getByRole('button'));
    expect(await screen.findByTestId('open-repository')).toHaveTextContent(`${HOST}/team/app`);
    const rows = await screen.findAllByTestId('tag-row');
    expect(rows.map((r) => r.dataset.tag)).toEqual(['1.0', '2.0']);
    expect(screen.getByTestId('tag-count')).toHaveTextContent('2 tags');
    expect(within(node).getAllByTestId('tree-repository')[0]).toHaveAttribute('aria-selected', 'true');
    expect(api.calls.filter((c) => c.method === 'browseRegistry')).toHaveLength(1);
  });

  it('says when a registry does not list its repositories and shows those added by hand', async () => {
    await setup();
    const node = registryNode('registry.cn-hangzhou.aliyuncs.com');
    expect(within(node).getByTestId('tree-login-state')).toHaveTextContent('Not logged in');
    await userEvent.click(within(node).getByTestId('tree-registry-toggle'));
    expect(await within(node).findByTestId('tree-no-catalog')).toBeInTheDocument();
    await userEvent.click(within(node).getByTestId('tree-add-repo'));
    await userEvent.type(screen.getByTestId('repo-input'), 'my-ns/web');
    await userEvent.click(screen.getByTestId('repo-submit'));
    const ns = await within(node).findByTestId('tree-namespace');
    expect(ns.dataset.namespace).toBe('my-ns');
    await userEvent.click(within(ns).getByRole('button', { name: /my-ns/ }));
    const repo = within(node).getByTestId('tree-repository');
    expect(repo).toHaveTextContent('web');
    expect(repo).toHaveTextContent('added by hand');
  });

  it('speaks Chinese', async () => {
    await setup(api(), zhCN);
    expect(within(registryNode(HOST)).getByTestId('tree-login-state')).toHaveTextContent('未登录');
    expect(screen.getByTestId('add-registry-open')).toHaveTextContent('添加镜像仓库');
  });
});

describe('after a copy', () => {
  it('lists the registry again so that the new repository shows', async () => {
    const { api, model } = await setup();
    await model.tasks.watch();
    await userEvent.click(within(registryNode(HOST)).getByTestId('tree-registry-toggle'));
    await within(registryNode(HOST)).findAllByTestId('tree-namespace');
    const task = await model.copy(`${HOST}/team/app:1.0`, `${HOST}/copies/app:1.0`);
    api.reg.repos[HOST]!['copies/app'] = tags('1.0');
    api.updateTask(task.id, { state: 'done' });
    await waitFor(() =>
      expect(within(registryNode(HOST)).getAllByTestId('tree-namespace').map((n) => n.dataset.namespace)).toEqual(['(root)', 'copies', 'team']),
    );
  });
});
