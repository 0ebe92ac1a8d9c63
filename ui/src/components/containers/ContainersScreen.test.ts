import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import { ContainersModel } from '../../lib/state/containers.svelte';
import ContainersScreen from './ContainersScreen.svelte';

async function setup() {
  const api = new FakeApi();
  api.images = [fakeRow('nginx:1.25'), fakeRow('busybox:1.36')];
  const model = new ContainersModel(api);
  const tasks = model.tasks;
  await tasks.watch();
  return { api, model };
}

describe('Containers screen', () => {
  it('lists containers with the size of their writable layer', async () => {
    const { api, model } = await setup();
    const c = api.ctr.add('web');
    api.ctr.write(c, '/root/a.txt', '12345');
    render(ContainersScreen, { model, m: en, locale: 'en' });
    const row = await screen.findByTestId('container-row');
    expect(row).toHaveAttribute('data-name', 'web');
    expect(screen.getByTestId('container-size')).toHaveTextContent('5 B · changes: 1');
  });

  it('creates from the image chosen on its page, and opens the container when the task is done', async () => {
    const { api, model } = await setup();
    // What "Create container" on busybox's page does.
    model.createFor = 'docker.io/library/busybox:1.36';
    render(ContainersScreen, { model, m: en, locale: 'en' });
    const select = (await screen.findByTestId('create-image')) as HTMLSelectElement;
    await screen.findByRole('option', { name: 'busybox:1.36' });
    expect(select.value).toBe('docker.io/library/busybox:1.36');
    await userEvent.type(screen.getByTestId('create-name'), 'box');
    await userEvent.click(screen.getByTestId('create-submit'));
    expect(api.calls.find((x) => x.method === 'createContainer')?.arg).toEqual({ image: 'docker.io/library/busybox:1.36', name: 'box' });
    expect(await screen.findByTestId('containers-status')).toHaveTextContent('Creating a container from busybox:1.36');
    expect(screen.queryByTestId('container-page')).toBeNull();
    const task = api.tasks.find((t) => t.kind === 'create')!;
    api.updateTask(task.id, { state: 'done' });
    expect(await screen.findByTestId('container-page')).toHaveAttribute('data-name', 'box');
  });
});
