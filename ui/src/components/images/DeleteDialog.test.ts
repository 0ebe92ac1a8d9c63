import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import { ImagesModel } from '../../lib/state/images.svelte';
import ImagesScreen from './ImagesScreen.svelte';

async function openDelete(rows: ReturnType<typeof fakeRow>[], index = 0) {
  const api = new FakeApi();
  api.images = rows;
  render(ImagesScreen, { model: new ImagesModel(api), m: en, locale: 'en' });
  const row = (await screen.findAllByTestId('image-row'))[index]!;
  await userEvent.click(row.querySelector('[data-action="delete"]')!);
  return { api, dialog: screen.getByRole('dialog') };
}

describe('DeleteDialog', () => {
  it('says how much deleting frees, and deletes only when confirmed', async () => {
    const { api, dialog } = await openDelete([fakeRow('nginx:1.25', { unique: 12_300_000, size: 15_000_000 })]);
    expect(dialog).toHaveTextContent('Delete nginx:1.25?');
    expect(screen.getByTestId('delete-frees')).toHaveTextContent('frees about 12.3 MB');

    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.calls.some((c) => c.method === 'removeImage')).toBe(false);

    await userEvent.click(screen.getByTestId('image-row').querySelector('[data-action="delete"]')!);
    await userEvent.click(screen.getByTestId('delete-submit'));
    expect(api.calls.find((c) => c.method === 'removeImage')?.arg).toEqual({
      reference: 'docker.io/library/nginx:1.25',
      force: false,
    });
    expect(await screen.findByTestId('images-status')).toHaveTextContent('Deleted nginx:1.25 and freed 12.3 MB.');
    expect(await screen.findByTestId('empty-title')).toBeInTheDocument();
  });

  it('tells that only the name goes when the image has other names', async () => {
    const shared = { digest: 'sha256:' + '1'.repeat(64), names: 2, unique: 9_000_000 };
    await openDelete([fakeRow('app:1', shared), fakeRow('app:latest', shared)]);
    expect(screen.getByTestId('delete-frees')).toHaveTextContent('The image has 2 names. Only this name is removed');
    expect(screen.getByTestId('delete-frees')).not.toHaveTextContent('9 MB');
  });

  it('asks for "Delete anyway" when containers use the image', async () => {
    const { api } = await openDelete([fakeRow('web:1', { containers: ['web'] })]);
    expect(screen.getByRole('dialog')).toHaveTextContent('Containers use this image: web.');
    expect(screen.getByTestId('delete-submit')).toBeDisabled();
    await userEvent.click(screen.getByTestId('delete-force'));
    await userEvent.click(screen.getByTestId('delete-submit'));
    expect(api.calls.find((c) => c.method === 'removeImage')?.arg).toEqual({
      reference: 'docker.io/library/web:1',
      force: true,
    });
  });

  it('keeps the dialog open with the problem when removing fails', async () => {
    const api = new FakeApi().fail('removeImage', {
      code: 'store.io',
      message: 'cannot write /store/index.json',
      hint: { key: 'layer.check_space', args: {} },
    });
    api.images = [fakeRow('nginx:1')];
    render(ImagesScreen, { model: new ImagesModel(api), m: en, locale: 'en' });
    const row = (await screen.findAllByTestId('image-row'))[0]!;
    await userEvent.click(row.querySelector('[data-action="delete"]')!);
    await userEvent.click(screen.getByTestId('delete-submit'));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('cannot write /store/index.json');
    expect(alert).toHaveTextContent("What to do: check free space and the folder's permissions");
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });
});
