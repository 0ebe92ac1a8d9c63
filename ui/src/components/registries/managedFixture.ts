// A Registries screen over the test double with one registry whose management API is set
// up (an ACR Personal registry saved with its AccessKey), for the tests of the New
// namespace, New repository and Delete dialogs.
import { render, screen } from '@testing-library/svelte';
import { en, type Messages } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeDetails } from '../../lib/ipc/fake-registries';
import { RegistriesModel } from '../../lib/state/registries.svelte';
import RegistriesScreen from './RegistriesScreen.svelte';

export const HOST = '127.0.0.1:5000';
export const KEY_ID = 'LTAI5tUnitTestKey';
export const SECRET = 'unit-secret-9f3c-never-shown';

/** The double with `team/app` (tags 1.0, 2.0, 3.0) and the empty namespace `empty`. */
export function managedApi(): FakeApi {
  const api = new FakeApi();
  api.reg.accessKeys.set(KEY_ID, SECRET);
  api.reg.add({
    endpoint: HOST,
    name: 'acr',
    provider: 'acr_personal',
    username: null,
    insecure: false,
    ca_file: null,
    api: { region: 'cn-hangzhou', instance: '', endpoint: 'http://127.0.0.1:1', account: '', account_name: '', access_key_id: KEY_ID, access_key_secret: SECRET },
  });
  api.reg.createNamespace(HOST, 'team', false);
  api.reg.createNamespace(HOST, 'empty', false);
  api.reg.createRepository(HOST, { namespace: 'team', name: 'app', summary: 'the web app', detail: 'Built nightly.', public: true });
  api.reg.repos[HOST]!['team/app'] = new Map(['1.0', '2.0', '3.0'].map((t) => [t, fakeDetails(t)]));
  return api;
}

/** Renders the screen and opens the registry in the tree. */
export async function renderManaged(api = managedApi(), m: Messages = en) {
  const model = new RegistriesModel(api);
  render(RegistriesScreen, { model, m, locale: m === zhCN ? 'zh-CN' : 'en' });
  const toggle = await screen.findByTestId('tree-registry-toggle');
  toggle.click();
  await screen.findByTestId('tree-new-namespace');
  return { api, model };
}

export const namespaceNode = (name: string) =>
  screen.getAllByTestId('tree-namespace').find((n) => n.dataset.namespace === name)!;
