import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { FakeApi } from '../../lib/ipc/fake';
import { RegistriesModel } from '../../lib/state/registries.svelte';
import RegistriesScreen from './RegistriesScreen.svelte';

const PASSWORD = 'pa55-w0rd-never-shown';

async function setup() {
  const api = new FakeApi();
  const model = new RegistriesModel(api);
  render(RegistriesScreen, { model, m: en, locale: 'en' });
  await screen.findByTestId('empty-title');
  await userEvent.click(screen.getByTestId('add-registry-open'));
  await screen.findByTestId('add-registry-dialog');
  return { api, model };
}

describe('AddRegistryDialog', () => {
  it('fills the endpoint from the ACR Personal preset and the chosen region', async () => {
    const { api } = await setup();
    await userEvent.selectOptions(screen.getByTestId('add-provider'), 'acr_personal');
    expect(screen.getByTestId('add-endpoint')).toHaveValue('registry.cn-hangzhou.aliyuncs.com');
    await userEvent.selectOptions(screen.getByTestId('add-region'), 'cn-shanghai');
    expect(screen.getByTestId('add-endpoint')).toHaveValue('registry.cn-shanghai.aliyuncs.com');
    await userEvent.selectOptions(screen.getByTestId('add-provider'), 'ghcr');
    expect(screen.queryByTestId('add-region')).toBeNull();
    expect(screen.getByTestId('add-endpoint')).toHaveValue('ghcr.io');
    await userEvent.selectOptions(screen.getByTestId('add-provider'), 'acr_personal');
    await userEvent.type(screen.getByTestId('add-username'), 'dev@example.com');
    await userEvent.click(screen.getByTestId('add-save-only'));
    await waitFor(() => expect(screen.queryByTestId('add-registry-dialog')).toBeNull());
    expect(api.calls.find((c) => c.method === 'addRegistry')?.arg).toMatchObject({
      endpoint: 'registry.cn-shanghai.aliyuncs.com',
      provider: 'acr_personal',
      username: 'dev@example.com',
    });
    expect(screen.queryByTestId('login-dialog')).toBeNull();
    const node = await screen.findByTestId('tree-registry');
    expect(node.dataset.registry).toBe('registry.cn-shanghai.aliyuncs.com');
  });

  it('saves, then logs in with an empty password field that never shows the secret again', async () => {
    const { api } = await setup();
    api.reg.passwords.set('127.0.0.1:5000 alice', PASSWORD);
    await userEvent.type(screen.getByTestId('add-endpoint'), '127.0.0.1:5000');
    await userEvent.click(screen.getByTestId('add-insecure'));
    await userEvent.type(screen.getByTestId('add-username'), 'alice');
    await userEvent.click(screen.getByTestId('add-submit'));
    const login = await screen.findByTestId('login-dialog');
    expect(within(login).getByTestId('login-username')).toHaveValue('alice');
    const password = within(login).getByTestId('login-password');
    expect(password).toHaveValue('');
    expect(password).toHaveAttribute('type', 'password');
    // A wrong password: refused, and the dialog stays.
    await userEvent.type(password, 'wrong');
    await userEvent.click(within(login).getByTestId('login-submit'));
    expect(await within(login).findByTestId('login-error')).toHaveTextContent('refused the login');
    await userEvent.clear(password);
    await userEvent.type(password, PASSWORD);
    await userEvent.click(within(login).getByTestId('login-submit'));
    await waitFor(() => expect(screen.queryByTestId('login-dialog')).toBeNull());
    expect(screen.getByTestId('registries-status')).toHaveTextContent('Logged in to 127.0.0.1:5000 as alice.');
    expect(await screen.findByTestId('tree-login-state')).toHaveTextContent('Logged in as alice');
    expect(api.calls.find((c) => c.method === 'addRegistry')?.arg).toMatchObject({ insecure: true, provider: 'generic' });
    // Logging in again starts from an empty password field.
    await userEvent.click(screen.getByTestId('tree-logout'));
    await userEvent.click(await screen.findByTestId('tree-login'));
    expect(await screen.findByTestId('login-password')).toHaveValue('');
    expect(document.body.innerHTML).not.toContain(PASSWORD);
    expect(JSON.stringify(api.calls)).not.toContain(PASSWORD);
  });

  it('takes the extra CA typed, or chosen with Browse… (then only its token goes back)', async () => {
    const { api } = await setup();
    await userEvent.type(screen.getByTestId('add-endpoint'), 'harbor.example.com');
    api.pickedPath = '/etc/ssl/harbor-ca.pem';
    await userEvent.click(screen.getByTestId('add-ca-browse'));
    expect(await screen.findByTestId('add-ca-chosen')).toHaveTextContent('harbor-ca.pem');
    await userEvent.click(screen.getByTestId('add-save-only'));
    await waitFor(() => expect(screen.queryByTestId('add-registry-dialog')).toBeNull());
    const form = api.calls.find((c) => c.method === 'addRegistry')?.arg as { ca_file: unknown };
    expect(form.ca_file).toEqual({ kind: 'chosen', token: expect.stringMatching(/^token-/) });
    expect(api.reg.list()[0]?.ca_file).toBe('/etc/ssl/harbor-ca.pem');

    // Typed instead: "Type a path instead" forgets the choice.
    await userEvent.click(screen.getByTestId('add-registry-open'));
    await userEvent.type(screen.getByTestId('add-endpoint'), 'quay.example.com');
    await userEvent.click(screen.getByTestId('add-ca-browse'));
    await userEvent.click(await screen.findByTestId('add-ca-clear'));
    await userEvent.type(screen.getByTestId('add-ca-path'), '/etc/ssl/quay.pem');
    await userEvent.click(screen.getByTestId('add-save-only'));
    await waitFor(() => expect(screen.queryByTestId('add-registry-dialog')).toBeNull());
    const typed = api.calls.filter((c) => c.method === 'addRegistry')[1]?.arg as { ca_file: unknown };
    expect(typed.ca_file).toEqual({ kind: 'typed', path: '/etc/ssl/quay.pem' });
  });

  it('checks an AccessKey before saving, keeps its secret out of every answer, and logs in without a password', async () => {
    const { api } = await setup();
    const KEY = 'LTAI5tDialogTest';
    const SECRET = 'dialog-secret-4a7e-never-shown';
    api.reg.accessKeys.set(KEY, SECRET);
    await userEvent.selectOptions(screen.getByTestId('add-provider'), 'acr_personal');
    await userEvent.clear(screen.getByTestId('add-endpoint'));
    await userEvent.type(screen.getByTestId('add-endpoint'), '127.0.0.1:5000');
    await userEvent.type(screen.getByTestId('add-api-endpoint'), 'http://127.0.0.1:8080');
    await userEvent.type(screen.getByTestId('add-access-key-id'), KEY);
    expect(screen.queryByTestId('add-username')).toBeNull();
    expect(screen.getByTestId('add-submit')).toBeDisabled(); // an ID without its secret
    const secret = screen.getByTestId('add-access-key-secret');
    expect(secret).toHaveAttribute('type', 'password');
    await userEvent.type(secret, 'wrong');
    await userEvent.click(screen.getByTestId('add-submit'));
    const error = await screen.findByTestId('add-error');
    expect(error.dataset.code).toBe('manage.signature_mismatch');
    expect(api.reg.list()).toEqual([]);
    await userEvent.clear(secret);
    await userEvent.type(secret, SECRET);
    await userEvent.click(screen.getByTestId('add-submit'));
    await waitFor(() => expect(screen.queryByTestId('add-registry-dialog')).toBeNull());
    expect(screen.queryByTestId('login-dialog')).toBeNull();
    expect(await screen.findByTestId('registries-status')).toHaveTextContent('Logged in to 127.0.0.1:5000 as cr_temp_user');
    expect(api.calls.filter((c) => c.method === 'addRegistry').at(-1)?.arg).toMatchObject({
      provider: 'acr_personal',
      api: { region: 'cn-hangzhou', endpoint: 'http://127.0.0.1:8080', access_key_id: KEY },
    });
    expect(api.reg.list()[0]?.api).toEqual({ region: 'cn-hangzhou', endpoint: 'http://127.0.0.1:8080', access_key_id: KEY, account: '127.0.0.1:5000' });
    expect(await screen.findByTestId('tree-new-namespace')).toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(JSON.stringify(api.calls)).not.toContain(SECRET);
  });

  it('uses a saved cloud account instead of typing an AccessKey, and lists accounts masked with their registries', async () => {
    const KEY = 'LTAI5tSharedAbcd';
    const SECRET = 'shared-secret-9f1e-never-shown';
    const api = new FakeApi();
    api.reg.accessKeys.set(KEY, SECRET);
    const model = new RegistriesModel(api);
    render(RegistriesScreen, { model, m: en, locale: 'en' });
    await screen.findByTestId('empty-title');

    // The first registry: a new AccessKey, saved as the account "prod".
    await userEvent.click(screen.getByTestId('add-registry-open'));
    await userEvent.selectOptions(await screen.findByTestId('add-provider'), 'acr_personal');
    expect(screen.queryByTestId('add-account')).toBeNull(); // no saved account yet
    await userEvent.type(screen.getByTestId('add-account-name'), 'prod');
    await userEvent.type(screen.getByTestId('add-access-key-id'), KEY);
    await userEvent.type(screen.getByTestId('add-access-key-secret'), SECRET);
    await userEvent.click(screen.getByTestId('add-save-only'));
    await waitFor(() => expect(screen.queryByTestId('add-registry-dialog')).toBeNull());
    const account = await screen.findByTestId('cloud-account');
    expect(account.dataset.name).toBe('prod');
    expect(within(account).getByTestId('cloud-account-id')).toHaveTextContent('LTAI****Abcd');
    expect(within(account).getByTestId('cloud-account-registries')).toHaveTextContent('Used by registry.cn-hangzhou.aliyuncs.com');

    // The second: the saved account is picked; no ID or secret is asked or sent.
    await userEvent.click(screen.getByTestId('add-registry-open'));
    await userEvent.selectOptions(await screen.findByTestId('add-provider'), 'acr_personal');
    await userEvent.selectOptions(screen.getByTestId('add-region'), 'cn-shanghai');
    const choice = screen.getByTestId('add-account');
    expect(within(choice).getByRole('option', { name: 'prod (LTAI****Abcd)' })).toBeInTheDocument();
    await userEvent.selectOptions(choice, 'prod');
    expect(screen.queryByTestId('add-access-key-id')).toBeNull();
    expect(screen.queryByTestId('add-access-key-secret')).toBeNull();
    expect(screen.queryByTestId('add-username')).toBeNull();
    expect(screen.getByTestId('add-submit')).toHaveTextContent('Check AccessKey, save and log in');
    await userEvent.click(screen.getByTestId('add-save-only'));
    await waitFor(() => expect(screen.queryByTestId('add-registry-dialog')).toBeNull());
    expect(api.calls.filter((c) => c.method === 'addRegistry').at(-1)?.arg).toMatchObject({
      endpoint: 'registry.cn-shanghai.aliyuncs.com',
      api: { account: 'prod', account_name: '', access_key_id: '' },
    });
    await waitFor(() =>
      expect(screen.getByTestId('cloud-account-registries')).toHaveTextContent(
        'Used by registry.cn-hangzhou.aliyuncs.com, registry.cn-shanghai.aliyuncs.com',
      ),
    );

    // Removing an account that registries use is refused (the engine says by whom).
    await userEvent.click(screen.getByTestId('cloud-account-remove'));
    await waitFor(() => expect(model.notices.items.at(-1)?.problem.code).toBe('manage.account_in_use'));
    expect(screen.getByTestId('cloud-account')).toBeInTheDocument();
    for (const r of [...model.registries]) await model.remove(r.endpoint);
    await userEvent.click(await screen.findByTestId('cloud-account-remove'));
    await waitFor(() => expect(screen.queryByTestId('cloud-account')).toBeNull());
    expect(api.reg.cloudAccounts).toEqual([]);
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(JSON.stringify(api.calls)).not.toContain(SECRET);
  });

  it('leaves the ACR Enterprise endpoint to the instance chosen from the ones the AccessKey sees', async () => {
    const KEY = 'LTAI5tEnterprise1';
    const SECRET = 'enterprise-secret-0a9b-never-shown';
    const { api } = await setup();
    api.reg.accessKeys.set(KEY, SECRET);
    api.reg.instances = [
      { id: 'cri-prod0001', name: 'prod', status: 'RUNNING', internet: ['prod-registry.cn-hangzhou.cr.aliyuncs.com'], vpc: ['prod-registry-vpc.cn-hangzhou.cr.aliyuncs.com'] },
      { id: 'cri-test0002', name: 'test', status: 'RUNNING', internet: ['test-registry.cn-hangzhou.cr.aliyuncs.com'], vpc: [] },
    ];
    await userEvent.selectOptions(screen.getByTestId('add-provider'), 'acr_enterprise');
    const endpoint = screen.getByTestId('add-endpoint');
    expect(endpoint).toHaveValue(''); // never the literal {instance}-registry… template
    expect(endpoint).toHaveAttribute('placeholder', 'Chosen with the instance below, or typed');
    expect(screen.getByTestId('add-find-instances')).toBeDisabled(); // no AccessKey yet
    await userEvent.type(screen.getByTestId('add-access-key-id'), KEY);
    await userEvent.type(screen.getByTestId('add-access-key-secret'), SECRET);
    await userEvent.click(screen.getByTestId('add-find-instances'));
    const choice = await screen.findByTestId('add-instance-choice');
    await userEvent.selectOptions(choice, 'cri-test0002');
    expect(endpoint).toHaveValue('test-registry.cn-hangzhou.cr.aliyuncs.com');
    await userEvent.selectOptions(choice, 'cri-prod0001');
    expect(endpoint).toHaveValue('prod-registry.cn-hangzhou.cr.aliyuncs.com');
    await userEvent.click(screen.getByTestId('add-save-only'));
    await waitFor(() => expect(screen.queryByTestId('add-registry-dialog')).toBeNull());
    expect(api.calls.filter((c) => c.method === 'addRegistry').at(-1)?.arg).toMatchObject({
      endpoint: 'prod-registry.cn-hangzhou.cr.aliyuncs.com',
      provider: 'acr_enterprise',
      api: { instance: 'cri-prod0001', access_key_id: KEY },
    });
    expect(JSON.stringify(api.calls)).not.toContain(SECRET);
  });
});
