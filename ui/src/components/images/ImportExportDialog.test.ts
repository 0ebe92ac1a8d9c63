// Import and export with host paths (src-tauri/src/commands/host_path.rs): a typed path
// goes to the shell as typed, a file chosen in the native dialog as its token only (its
// name is shown); an export never replaces an existing file without the person's answer.
import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import { ImagesModel } from '../../lib/state/images.svelte';
import ImagesScreen from './ImagesScreen.svelte';

const TOKEN = { kind: 'chosen', token: expect.stringMatching(/^token-/) };

function setup() {
  const api = new FakeApi();
  api.images = [fakeRow('nginx:1.25')];
  render(ImagesScreen, { model: new ImagesModel(api), m: en, locale: 'en' });
  return api;
}

async function openExport(api: FakeApi) {
  const row = (await screen.findAllByTestId('image-row'))[0]!;
  await userEvent.click(row.querySelector('[data-action="export"]')!);
  await screen.findByTestId('export-dialog');
  return api;
}

const argsOf = (api: FakeApi, method: 'importImage' | 'exportImage') =>
  api.calls.filter((c) => c.method === method).map((c) => c.arg);

describe('ImportDialog', () => {
  it('imports a typed path as typed', async () => {
    const api = setup();
    await userEvent.click(screen.getByTestId('import-open'));
    await userEvent.type(screen.getByTestId('import-path'), '/data/app.tar');
    await userEvent.click(screen.getByTestId('import-submit'));
    expect(argsOf(api, 'importImage')).toEqual([{ source: { kind: 'typed', path: '/data/app.tar' }, tag: null }]);
    expect(await screen.findByTestId('images-status')).toHaveTextContent('Importing /data/app.tar.');
  });

  it('imports a file chosen with Browse… by its token, showing its name', async () => {
    const api = setup();
    await userEvent.click(screen.getByTestId('import-open'));
    api.pickedPath = '/data/in/picked.tar';
    await userEvent.click(screen.getByTestId('import-browse'));
    expect(await screen.findByTestId('import-chosen')).toHaveTextContent('picked.tar');
    // The field is replaced by the choice: nothing typed can ride along with it.
    expect(screen.queryByTestId('import-path')).toBeNull();
    await userEvent.type(screen.getByTestId('import-tag'), 'mine:1');
    await userEvent.click(screen.getByTestId('import-submit'));
    expect(argsOf(api, 'importImage')).toEqual([{ source: TOKEN, tag: 'mine:1' }]);
    expect(JSON.stringify(argsOf(api, 'importImage'))).not.toContain('/data/in');
    expect(await screen.findByTestId('images-status')).toHaveTextContent('Importing /data/in/picked.tar.');
  });

  it('goes back to typing, and a cancelled dialog changes nothing', async () => {
    const api = setup();
    await userEvent.click(screen.getByTestId('import-open'));
    await userEvent.click(screen.getByTestId('import-browse'));
    expect(screen.getByTestId('import-path')).toBeInTheDocument();
    expect(screen.getByTestId('import-submit')).toBeDisabled();
    api.pickedPath = '/data/in/picked.tar';
    await userEvent.click(screen.getByTestId('import-browse'));
    await userEvent.click(await screen.findByTestId('import-clear'));
    expect(screen.queryByTestId('import-chosen')).toBeNull();
    await userEvent.type(screen.getByTestId('import-path'), 'relative.tar');
    await userEvent.click(screen.getByTestId('import-submit'));
    expect(await screen.findByTestId('import-error')).toHaveTextContent('relative.tar is not a full path');
    expect(argsOf(api, 'importImage')).toEqual([{ source: { kind: 'typed', path: 'relative.tar' }, tag: null }]);
  });
});

describe('ExportDialog', () => {
  it('asks before replacing a typed file that exists, and sends overwrite only after Replace', async () => {
    const api = await openExport(setup());
    api.existingFiles.add('/out/nginx.tar');
    await userEvent.type(screen.getByTestId('export-path'), '/out/nginx.tar');
    await userEvent.click(screen.getByTestId('export-submit'));
    expect(await screen.findByTestId('export-exists')).toHaveTextContent('/out/nginx.tar already exists. Replace it?');
    expect(api.tasks).toHaveLength(0);
    // Another path: the question was about the old one.
    await userEvent.type(screen.getByTestId('export-path'), '.1');
    expect(screen.queryByTestId('export-exists')).toBeNull();
    await userEvent.clear(screen.getByTestId('export-path'));
    await userEvent.type(screen.getByTestId('export-path'), '/out/nginx.tar');
    await userEvent.click(screen.getByTestId('export-submit'));
    await userEvent.click(await screen.findByTestId('export-replace'));
    await waitFor(() => expect(screen.queryByTestId('export-dialog')).toBeNull());
    const typed = { kind: 'typed', path: '/out/nginx.tar' };
    expect(argsOf(api, 'exportImage')).toEqual([
      { reference: 'docker.io/library/nginx:1.25', target: typed, format: 'docker-archive', overwrite: false },
      { reference: 'docker.io/library/nginx:1.25', target: typed, format: 'docker-archive', overwrite: false },
      { reference: 'docker.io/library/nginx:1.25', target: typed, format: 'docker-archive', overwrite: true },
    ]);
    expect(await screen.findByTestId('images-status')).toHaveTextContent('Exporting nginx:1.25.');
  });

  it('exports to a file chosen in the save dialog by its token; the dialog already asked about replacing it', async () => {
    const api = await openExport(setup());
    api.existingFiles.add('/out/old.tar');
    api.pickedPath = '/out/old.tar';
    await userEvent.click(screen.getByTestId('export-browse'));
    expect(await screen.findByTestId('export-chosen')).toHaveTextContent('old.tar');
    await userEvent.click(screen.getByTestId('export-submit'));
    await waitFor(() => expect(screen.queryByTestId('export-dialog')).toBeNull());
    // No question of our own, and no overwrite flag: the token carries the dialog's answer.
    expect(argsOf(api, 'exportImage')).toEqual([
      { reference: 'docker.io/library/nginx:1.25', target: TOKEN, format: 'docker-archive', overwrite: false },
    ]);
    expect(api.tasks).toHaveLength(1);
  });

  it('shows any other refusal as an error', async () => {
    const api = await openExport(setup());
    await userEvent.type(screen.getByTestId('export-path'), 'nginx.tar');
    await userEvent.click(screen.getByTestId('export-submit'));
    expect(await screen.findByTestId('export-error')).toHaveTextContent('nginx.tar is not a full path');
    expect(screen.queryByTestId('export-replace')).toBeNull();
    expect(api.tasks).toHaveLength(0);
  });
});
