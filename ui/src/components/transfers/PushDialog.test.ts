import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { PushTarget } from '../../lib/bindings.gen';
import { en } from '../../lib/i18n/en';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import { ImagesModel } from '../../lib/state/images.svelte';
import ImagesScreen from '../images/ImagesScreen.svelte';

const acr: PushTarget = {
  name: 'ACR Hangzhou',
  endpoint: 'registry.cn-hangzhou.aliyuncs.com',
  provider: 'acr_personal',
  namespaces: ['team'],
  repositories: ['team/api'],
};

/** The Images screen with `e2e/demo:1` open on its page, then "Push to…". */
async function openPush(targets: PushTarget[] = []) {
  const api = new FakeApi();
  api.images = [fakeRow('e2e/demo:1')];
  api.pushTargetList = targets;
  const model = new ImagesModel(api);
  await model.tasks.watch();
  const onopentasks = vi.fn();
  render(ImagesScreen, { model, m: en, locale: 'en', onopentasks });
  await screen.findAllByTestId('image-row');
  model.open = model.rows[0];
  await userEvent.click(await screen.findByTestId('push-open'));
  await screen.findByTestId('push-dialog');
  return { api, model, onopentasks };
}

const preview = () => screen.findByTestId('push-preview');

describe('PushDialog', () => {
  it('with no registry saved, says so and builds the name from a typed host and the image’s own parts', async () => {
    const { api, model, onopentasks } = await openPush();
    expect(await screen.findByTestId('push-no-saved')).toHaveTextContent('No registry is saved yet');
    expect(screen.queryByTestId('push-registry')).toBeNull();
    expect(screen.getByTestId('push-missing')).toHaveTextContent('Choose or type a registry.');
    expect(screen.getByTestId('push-submit')).toBeDisabled();

    await userEvent.type(screen.getByTestId('push-host'), '127.0.0.1:5000');
    expect(await preview()).toHaveTextContent('Pushes to 127.0.0.1:5000/e2e/demo:1');
    const tag = screen.getByTestId('push-tag');
    await userEvent.clear(tag);
    await userEvent.type(tag, 'v2');
    await vi.waitFor(() => expect(screen.getByTestId('push-preview')).toHaveTextContent('Pushes to 127.0.0.1:5000/e2e/demo:v2'));
    await userEvent.click(screen.getByTestId('push-submit'));

    expect(api.calls.find((c) => c.method === 'pushImage')?.arg).toEqual({
      local: 'docker.io/e2e/demo:1',
      remote: '127.0.0.1:5000/e2e/demo:v2',
    });
    expect(screen.queryByTestId('push-dialog')).toBeNull();
    expect(onopentasks).toHaveBeenCalledOnce();
    expect(model.tasks.items[0]).toMatchObject({ kind: 'push', target: '127.0.0.1:5000/e2e/demo:v2' });
  });

  it('offers the saved registries and builds the name as the parts change', async () => {
    const { api } = await openPush([acr]);
    const registry = screen.getByTestId('push-registry') as HTMLSelectElement;
    expect(registry.value).toBe(acr.endpoint);
    expect(screen.queryByTestId('push-no-saved')).toBeNull();
    expect(screen.queryByTestId('push-host')).toBeNull();
    // The image's own namespace (e2e) is not one of the registry's: its own is offered.
    expect(await preview()).toHaveTextContent('Pushes to registry.cn-hangzhou.aliyuncs.com/team/demo:1');
    const ns = screen.getByTestId('push-namespace');
    await userEvent.clear(ns);
    await userEvent.type(ns, 'other');
    expect(await preview()).toHaveTextContent('Pushes to registry.cn-hangzhou.aliyuncs.com/other/demo:1');
    await userEvent.clear(ns);
    await userEvent.type(ns, 'team');
    expect(await preview()).toHaveTextContent('Pushes to registry.cn-hangzhou.aliyuncs.com/team/demo:1');
    // The repositories known in that namespace are offered.
    expect([...document.querySelectorAll('#push-repositories option')].map((o) => (o as HTMLOptionElement).value)).toEqual(['api']);

    await userEvent.clear(screen.getByTestId('push-repository'));
    expect(screen.getByTestId('push-missing')).toHaveTextContent('Type a repository.');
    expect(screen.getByTestId('push-submit')).toBeDisabled();
    await userEvent.type(screen.getByTestId('push-repository'), 'api');
    expect(await preview()).toHaveTextContent('registry.cn-hangzhou.aliyuncs.com/team/api:1');

    // "Another registry…" asks for a host.
    await userEvent.selectOptions(registry, '');
    expect(screen.getByTestId('push-host')).toBeInTheDocument();
    expect(screen.getByTestId('push-missing')).toHaveTextContent('Choose or type a registry.');
    expect(api.calls.some((c) => c.method === 'pushImage')).toBe(false);
  });

  it('takes a full name instead, and explains one that is not a name', async () => {
    const { api } = await openPush([acr]);
    await preview();
    await userEvent.click(screen.getByTestId('push-mode'));
    const full = screen.getByTestId('push-full-input') as HTMLInputElement;
    // Starts from the name built so far.
    expect(full.value).toBe('registry.cn-hangzhou.aliyuncs.com/team/demo:1');
    await userEvent.clear(full);
    await userEvent.type(full, 'Not/A Name');
    expect(await screen.findByTestId('push-error')).toHaveTextContent('is not a valid image reference');
    expect(screen.getByTestId('push-submit')).toBeDisabled();
    await userEvent.clear(full);
    await userEvent.type(full, 'ghcr.io/owner/demo:2');
    expect(await preview()).toHaveTextContent('Pushes to ghcr.io/owner/demo:2');
    await userEvent.click(screen.getByTestId('push-submit'));
    expect(api.calls.find((c) => c.method === 'pushImage')?.arg).toEqual({ local: 'docker.io/e2e/demo:1', remote: 'ghcr.io/owner/demo:2' });
  });

  it('offers to create a repository the registry’s API says is missing, then pushes', async () => {
    const { api } = await openPush();
    api.reg.accessKeys.set('LTAI5tPush', 'push-secret');
    api.reg.add({
      endpoint: '127.0.0.1:5000',
      name: null,
      provider: 'acr_personal',
      username: null,
      insecure: false,
      ca_file: null,
      api: { region: 'cn-hangzhou', instance: '', endpoint: '', account: '', account_name: '', access_key_id: 'LTAI5tPush', access_key_secret: 'push-secret' },
    });
    api.reg.createNamespace('127.0.0.1:5000', 'e2e', false);
    await userEvent.type(screen.getByTestId('push-host'), '127.0.0.1:5000');
    expect(await preview()).toHaveTextContent('Pushes to 127.0.0.1:5000/e2e/demo:1');
    await userEvent.click(screen.getByTestId('push-submit'));
    const offer = await screen.findByTestId('push-create-repository');
    expect(offer).toHaveTextContent('e2e/demo does not exist on 127.0.0.1:5000');
    expect(screen.getByTestId('push-create-summary')).toHaveValue('demo');
    expect(screen.getByTestId('push-submit')).toHaveTextContent('Create repository and push');
    expect(api.calls.some((c) => c.method === 'pushImage')).toBe(false);
    await userEvent.click(screen.getByTestId('push-submit'));
    await vi.waitFor(() => expect(api.calls.some((c) => c.method === 'pushImage')).toBe(true));
    expect(api.calls.find((c) => c.method === 'createRepository')?.arg).toEqual({
      registry: '127.0.0.1:5000',
      form: { namespace: 'e2e', name: 'demo', summary: 'demo', detail: '', public: false },
    });
  });
});
