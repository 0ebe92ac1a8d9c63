import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { en } from '../../lib/i18n/en';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import { ImagesModel } from '../../lib/state/images.svelte';
import ImagesScreen from './ImagesScreen.svelte';

async function screenWith(api: FakeApi, onopentasks?: () => void) {
  api.images = [fakeRow('e2e/demo:1')];
  const model = new ImagesModel(api);
  await model.tasks.watch();
  render(ImagesScreen, { model, m: en, locale: 'en', onopentasks });
  await screen.findAllByTestId('image-row');
  return model;
}

const podmanMissing = (api: FakeApi) => {
  api.engines = [
    { kind: 'podman', found: false, usable: false, detail: 'Podman not found: no `podman` program on PATH' },
    { kind: 'docker', found: false, usable: false, detail: 'Docker not found: no socket at /var/run/docker.sock (or $DOCKER_HOST)' },
  ];
};

describe('Import from Podman', () => {
  it("lists Podman's images and imports the chosen one as a task", async () => {
    const api = new FakeApi();
    await screenWith(api);
    await userEvent.click(await screen.findByTestId('podman-import-open'));
    const items = await screen.findAllByTestId('podman-image');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('localhost/app:1');
    expect(items[1]).toHaveTextContent('(no name)');
    await userEvent.click(screen.getByTestId('podman-import-submit'));
    expect(api.calls.find((c) => c.method === 'importFromEngine')?.arg).toEqual({
      engine: 'podman',
      image: 'localhost/app:1',
      tag: null,
    });
    expect(await screen.findByTestId('images-status')).toHaveTextContent('Importing localhost/app:1 from Podman');
  });

  it('imports an unnamed image by its ID, under the name given', async () => {
    const api = new FakeApi();
    await screenWith(api);
    await userEvent.click(await screen.findByTestId('podman-import-open'));
    const items = await screen.findAllByTestId('podman-image');
    await userEvent.click(items[1]!.querySelector('input')!);
    await userEvent.type(screen.getByTestId('podman-import-tag'), 'mine:2');
    await userEvent.click(screen.getByTestId('podman-import-submit'));
    expect(api.calls.find((c) => c.method === 'importFromEngine')?.arg).toEqual({
      engine: 'podman',
      image: 'b'.repeat(64),
      tag: 'mine:2',
    });
  });

  it("shows why Podman's images cannot be listed", async () => {
    const api = new FakeApi();
    api.fail('listEngineImages', { code: 'engine.failed', message: '`podman images` failed (exit status: 125): no store' });
    await screenWith(api);
    await userEvent.click(await screen.findByTestId('podman-import-open'));
    expect(await screen.findByTestId('podman-import-error')).toHaveTextContent('no store');
    expect(screen.getByTestId('podman-import-submit')).toBeDisabled();
  });

  it('says why its buttons are disabled when neither Podman nor Docker is there', async () => {
    const api = new FakeApi();
    podmanMissing(api);
    const model = await screenWith(api);
    const open = await screen.findByTestId('engine-import-open');
    await waitFor(() => expect(open).toHaveAttribute('title', expect.stringContaining('Podman not found')));
    expect(open).toHaveAttribute('title', expect.stringContaining('Docker not found'));
    expect(open).toBeDisabled();
    expect(screen.queryByTestId('podman-import-open')).toBeNull();
    model.open = model.rows[0];
    const send = await screen.findByTestId('send-engine');
    expect(send).toBeDisabled();
    expect(send).toHaveAttribute('title', expect.stringContaining('no `podman` program on PATH'));
    expect(send).toHaveAttribute('title', expect.stringContaining('no socket at /var/run/docker.sock'));
  });

  it('offers Docker when only Docker is there, and imports from it', async () => {
    const api = new FakeApi();
    api.engines = [
      { kind: 'podman', found: false, usable: false, detail: 'Podman not found: no `podman` program on PATH' },
      { kind: 'docker', found: true, usable: true, version: '20.10.24', detail: 'the API socket /var/run/docker.sock' },
    ];
    const model = await screenWith(api);
    await userEvent.click(await screen.findByTestId('docker-import-open'));
    expect(screen.queryByTestId('podman-import-open')).toBeNull();
    expect(await screen.findByText('Import from Docker')).toBeInTheDocument();
    const items = await screen.findAllByTestId('podman-image');
    expect(items).toHaveLength(1);
    expect(items[0]).toHaveTextContent('busybox:1');
    await userEvent.click(screen.getByTestId('podman-import-submit'));
    expect(api.calls.find((c) => c.method === 'listEngineImages')?.arg).toEqual({ engine: 'docker' });
    expect(api.calls.find((c) => c.method === 'importFromEngine')?.arg).toEqual({ engine: 'docker', image: 'busybox:1', tag: null });
    expect(await screen.findByTestId('images-status')).toHaveTextContent('Importing busybox:1 from Docker');
    model.open = model.rows[0];
    const send = await screen.findByTestId('send-docker');
    expect(screen.queryByTestId('send-podman')).toBeNull();
    await userEvent.click(send);
    expect(api.calls.find((c) => c.method === 'sendImage')?.arg).toEqual({ reference: model.rows[0]!.reference, engine: 'docker' });
  });
});

describe('Send to Podman', () => {
  it("hands the open image to Podman as a task and opens Tasks", async () => {
    const api = new FakeApi();
    const onopentasks = vi.fn();
    const model = await screenWith(api, onopentasks);
    model.open = model.rows[0];
    const send = await screen.findByTestId('send-podman');
    await waitFor(() => expect(send).toBeEnabled());
    await userEvent.click(send);
    expect(api.calls.find((c) => c.method === 'sendImage')?.arg).toEqual({
      reference: model.rows[0]!.reference,
      engine: 'podman',
    });
    expect(onopentasks).toHaveBeenCalled();
    expect(model.tasks.items.some((t) => t.kind === 'export' && t.target === 'podman')).toBe(true);
  });
});
