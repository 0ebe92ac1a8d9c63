import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeApi } from '../../lib/ipc/fake';
import { AppModel } from '../../lib/state/app.svelte';
import NetworkSettings from './NetworkSettings.svelte';

async function setup(api = new FakeApi(), system = ['en-US']) {
  const model = new AppModel(api, () => system);
  await model.init();
  render(NetworkSettings, { model });
  return { api, model };
}

describe('NetworkSettings mirrors', () => {
  it('adds the ACR accelerator for docker.io and removes it again', async () => {
    const { api } = await setup();
    expect(screen.getByText('No mirrors: every registry is reached directly.')).toBeInTheDocument();
    expect(screen.getByTestId('acr-hint')).toHaveTextContent('mirror.aliyuncs.com');
    await userEvent.type(screen.getByLabelText('Mirror address'), 'https://abcd.mirror.aliyuncs.com');
    await userEvent.click(screen.getByRole('button', { name: 'Add mirror' }));
    expect(api.calls.at(-1)).toEqual({
      method: 'addMirror',
      arg: { registry: 'docker.io', url: 'https://abcd.mirror.aliyuncs.com' },
    });
    expect(screen.getByText('https://abcd.mirror.aliyuncs.com')).toBeInTheDocument();
    expect(screen.getByLabelText('Mirror address')).toHaveValue('');
    await userEvent.click(screen.getByRole('button', { name: 'Remove https://abcd.mirror.aliyuncs.com' }));
    expect(api.settings.mirrors).toEqual({});
    expect(screen.getByText('No mirrors: every registry is reached directly.')).toBeInTheDocument();
  });

  it('imports from docker and says how many were new', async () => {
    const { api } = await setup();
    await userEvent.click(screen.getByRole('button', { name: 'Import from Docker (daemon.json)' }));
    expect(api.calls.at(-2)).toEqual({ method: 'importMirrors', arg: { source: 'docker' } });
    expect(screen.getByRole('status')).toHaveTextContent('1 new mirror(s) from /etc/docker/daemon.json');
    expect(screen.getByText('https://fake.mirror.aliyuncs.com')).toBeInTheDocument();
  });

  it('keeps the typed address and shows the problem when the engine refuses it', async () => {
    const api = new FakeApi().fail('addMirror', {
      code: 'settings.value',
      message: '`https://m.example.com/library`: a mirror is a registry’s address without a path',
    });
    const { model } = await setup(api);
    await userEvent.type(screen.getByLabelText('Mirror address'), 'https://m.example.com/library');
    await userEvent.click(screen.getByRole('button', { name: 'Add mirror' }));
    expect(screen.getByLabelText('Mirror address')).toHaveValue('https://m.example.com/library');
    expect(model.notices.items.map((n) => n.problem.code)).toEqual(['settings.value']);
  });

  it('speaks Chinese, the accelerator hint included', async () => {
    await setup(new FakeApi({ language: 'zh-CN' }));
    expect(screen.getByRole('heading', { name: '镜像加速器' })).toBeInTheDocument();
    expect(screen.getByTestId('acr-hint')).toHaveTextContent('阿里云镜像加速器');
  });
});

describe('NetworkSettings proxy', () => {
  it('sets a proxy that wins over the environment, then goes back to the environment', async () => {
    const { api } = await setup();
    const section = screen.getByRole('region', { name: 'Proxy' });
    expect(screen.getByTestId('proxy-state')).toHaveTextContent('the environment’s applies');
    await userEvent.type(within(section).getByLabelText('Proxy address'), 'http://127.0.0.1:7890');
    await userEvent.type(within(section).getByLabelText('Reached directly (comma-separated)'), 'localhost');
    await userEvent.click(within(section).getByRole('button', { name: 'Use this proxy' }));
    expect(api.settings.proxy).toEqual({ url: 'http://127.0.0.1:7890', no_proxy: 'localhost' });
    expect(screen.getByTestId('proxy-state')).toHaveTextContent('In use: http://127.0.0.1:7890');
    await userEvent.click(within(section).getByRole('button', { name: 'Use the environment’s' }));
    expect(api.settings.proxy).toBeUndefined();
    expect(within(section).getByLabelText('Proxy address')).toHaveValue('');
  });
});
