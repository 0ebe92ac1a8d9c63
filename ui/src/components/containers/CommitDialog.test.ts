import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { en } from '../../lib/i18n/en';
import { FakeApi } from '../../lib/ipc/fake';
import { ContainersModel } from '../../lib/state/containers.svelte';
import CommitDialog from './CommitDialog.svelte';

/** A container that added /root/notes.txt (12 bytes), changed /etc/motd and deleted /etc/passwd. */
async function setup(change = true) {
  const api = new FakeApi();
  const c = api.ctr.add('web');
  if (change) {
    api.ctr.write(c, '/root/notes.txt', 'hello world\n');
    api.ctr.write(c, '/etc/motd', 'changed\n');
    api.ctr.remove(c, '/etc/passwd');
  }
  const model = new ContainersModel(api);
  const tasks = model.tasks;
  await tasks.watch();
  const ondone = vi.fn();
  const onstarted = vi.fn();
  render(CommitDialog, { model, row: api.ctr.row(c), m: en, onclose: () => {}, onstarted, ondone });
  return { api, ondone, onstarted };
}

describe('CommitDialog', () => {
  it('previews the new layer: each change with its badge, and the bytes of files', async () => {
    await setup();
    const list = await screen.findByTestId('commit-preview-list');
    const rows = within(list).getAllByTestId('change-row');
    expect(rows.map((r) => [r.dataset.path, r.dataset.change])).toEqual([
      ['/etc/motd', 'C'],
      ['/etc/passwd', 'D'],
      ['/root/notes.txt', 'A'],
    ]);
    // 8 bytes of motd + 12 of notes.txt; the deleted file adds nothing.
    expect(screen.getByTestId('commit-preview-summary')).toHaveTextContent('3 changes, 20 B of files, on top of 1 shared layers of busybox:latest');
  });

  it('will not commit a container without changes', async () => {
    await setup(false);
    expect(await screen.findByTestId('commit-preview-empty')).toHaveTextContent('Nothing to commit');
    await userEvent.type(screen.getByTestId('commit-reference'), 'me/web:v2');
    await screen.findByTestId('commit-reference-full');
    expect(screen.getByTestId('commit-submit')).toBeDisabled();
  });

  it('commits a config change alone, as the engine allows', async () => {
    const { api } = await setup(false);
    await screen.findByTestId('commit-preview-empty');
    await userEvent.type(screen.getByTestId('commit-reference'), 'me/web:v2');
    await screen.findByTestId('commit-reference-full');
    await userEvent.type(screen.getByTestId('commit-changes'), 'ENV MODE=dev');
    expect(screen.getByTestId('commit-preview-empty')).toHaveTextContent('only by the config changes');
    await userEvent.click(screen.getByTestId('commit-submit'));
    await vi.waitFor(() => expect(api.calls.some((c) => c.method === 'commitContainer')).toBe(true));
  });

  it('needs a valid name, and says why one is not', async () => {
    const { api } = await setup();
    await screen.findByTestId('commit-preview-list');
    expect(screen.getByTestId('commit-submit')).toBeDisabled();
    await userEvent.type(screen.getByTestId('commit-reference'), 'Not A Name');
    expect(await screen.findByTestId('commit-reference-error')).toHaveTextContent('is not a valid image reference');
    expect(screen.getByTestId('commit-submit')).toBeDisabled();
    expect(api.calls.some((c) => c.method === 'commitContainer')).toBe(false);
  });

  it('refuses a config change the engine cannot apply, naming its line', async () => {
    const { api } = await setup();
    await screen.findByTestId('commit-preview-list');
    await userEvent.type(screen.getByTestId('commit-reference'), 'me/web:v2');
    await screen.findByTestId('commit-reference-full');
    await userEvent.type(screen.getByTestId('commit-changes'), 'ENV A=b{Enter}RUN rm -rf /');
    await userEvent.click(screen.getByTestId('commit-submit'));
    expect(await screen.findByTestId('commit-change-error')).toHaveTextContent('Line 2: "RUN rm -rf /" is not a change commit can apply');
    expect(api.calls.some((c) => c.method === 'commitContainer')).toBe(false);
  });

  it('commits with message, author and changes, and reports the new image when done', async () => {
    const { api, onstarted, ondone } = await setup();
    await screen.findByTestId('commit-preview-list');
    await userEvent.type(screen.getByTestId('commit-reference'), 'me/web:v2');
    expect(await screen.findByTestId('commit-reference-full')).toHaveTextContent('docker.io/me/web:v2');
    await userEvent.type(screen.getByTestId('commit-message'), 'notes added');
    await userEvent.type(screen.getByTestId('commit-author'), 'Ada <ada@example.com>');
    await userEvent.type(screen.getByTestId('commit-changes'), 'CMD [["sh"]');
    await userEvent.click(screen.getByTestId('commit-submit'));
    expect(api.calls.find((c) => c.method === 'commitContainer')?.arg).toEqual({
      name: 'web',
      request: { reference: 'me/web:v2', message: 'notes added', author: 'Ada <ada@example.com>', changes: ['CMD ["sh"]'] },
    });
    expect(onstarted).toHaveBeenCalledWith('me/web:v2');
    expect(ondone).not.toHaveBeenCalled();
    const task = api.tasks.find((t) => t.kind === 'commit')!;
    api.updateTask(task.id, { state: 'done' });
    expect(ondone).toHaveBeenCalledWith('docker.io/me/web:v2');
  });
});
