import { render, screen, waitFor } from '@testing-library/svelte';
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

/** Makes each count wait until the test releases it (`pending[i]!()`), as a long walk of a
    root filesystem would; `asked` lists the containers counted, in order. */
function holdCounts(api: FakeApi): { pending: Array<() => void>; asked: string[] } {
  const pending: Array<() => void> = [];
  const asked: string[] = [];
  const count = api.getContainer.bind(api);
  api.getContainer = (name) => {
    asked.push(name);
    return new Promise((done) => pending.push(() => done(count(name))));
  };
  return { pending, asked };
}

describe('Containers screen', () => {
  it('lists containers with the size of their writable layer', async () => {
    const { api, model } = await setup();
    const c = api.ctr.add('web');
    api.ctr.write(c, '/root/a.txt', '12345');
    render(ContainersScreen, { model, m: en, locale: 'en' });
    const row = await screen.findByTestId('container-row');
    expect(row).toHaveAttribute('data-name', 'web');
    await waitFor(() => expect(screen.getByTestId('container-size')).toHaveTextContent('5 B · changes: 1'));
  });

  it('shows the list before counting, then counts one container at a time', async () => {
    const { api, model } = await setup();
    for (const name of ['a', 'b', 'c']) api.ctr.write(api.ctr.add(name), '/x', name.repeat(3));
    const { pending, asked } = holdCounts(api);
    render(ContainersScreen, { model, m: en, locale: 'en' });

    await waitFor(() => expect(screen.getAllByTestId('container-row')).toHaveLength(3));
    const sizes = () => screen.getAllByTestId('container-size').map((e) => e.textContent?.trim());
    expect(sizes()).toEqual(['…', '…', '…']);
    expect(pending).toHaveLength(1);
    pending[0]!();
    await waitFor(() => expect(sizes()).toEqual(['3 B · changes: 1', '…', '…']));
    expect(pending).toHaveLength(2);
    expect(asked).toEqual(['a', 'b']);

    // A refresh meanwhile (a create finished): the old count is dropped, the rows keep
    // what was counted, and counting starts again from the first.
    await model.refresh();
    pending[1]!();
    await waitFor(() => expect(pending).toHaveLength(3));
    expect(sizes()).toEqual(['3 B · changes: 1', '…', '…']);
    api.fail('getContainer', { code: 'container_not_found', message: 'gone' });
    pending[2]!();
    await waitFor(() => expect(pending).toHaveLength(4));
    api.succeed('getContainer');
    pending[3]!();
    await waitFor(() => expect(pending).toHaveLength(5));
    pending[4]!();
    await waitFor(() => expect(sizes()).toEqual(['—', '3 B · changes: 1', '3 B · changes: 1']));
    expect(asked).toEqual(['a', 'b', 'a', 'b', 'c']);
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

  it('counts the open container first, and its page shows the count when it comes', async () => {
    const { api, model } = await setup();
    for (const name of ['a', 'b', 'c']) api.ctr.write(api.ctr.add(name), '/x', name.repeat(2));
    const { pending, asked } = holdCounts(api);
    render(ContainersScreen, { model, m: en, locale: 'en' });
    await waitFor(() => expect(pending).toHaveLength(1));
    model.open = model.rows.find((r) => r.name === 'c');
    expect(await screen.findByTestId('container-page-size')).toHaveTextContent('…');
    pending[0]!();
    await waitFor(() => expect(pending).toHaveLength(2));
    pending[1]!();
    await waitFor(() => expect(screen.getByTestId('container-page-size')).toHaveTextContent('2 B · changes: 1'));
    expect(asked.slice(0, 2)).toEqual(['a', 'c']);
  });
});
