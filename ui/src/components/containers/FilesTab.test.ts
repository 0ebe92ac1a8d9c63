import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en, type Messages } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import type { FakeContainer } from '../../lib/ipc/fake-containers';
import { ContainersModel } from '../../lib/state/containers.svelte';
import { dropClaim } from '../../lib/state/drops';
import FilesTab from './FilesTab.svelte';

function setup(prepare: (api: FakeApi, c: FakeContainer) => void = () => {}, m: Messages = en) {
  const api = new FakeApi();
  const c = api.ctr.add('web');
  prepare(api, c);
  const model = new ContainersModel(api);
  const view = render(FilesTab, { model, name: 'web', m, onchanged: () => {} });
  return { api, c, view };
}

function entry(path: string): HTMLElement {
  const found = screen.getAllByTestId('container-file').find((e) => e.dataset.path === path);
  if (!found) throw new Error(`no entry ${path}`);
  return found;
}

describe('Files tab', () => {
  it('badges added, changed and deleted entries, and marks folders with changes inside', async () => {
    setup((api, c) => {
      api.ctr.write(c, '/etc/motd', 'changed\n');
      api.ctr.write(c, '/etc/new.conf', 'x=1\n');
      api.ctr.remove(c, '/etc/passwd');
    });
    await screen.findAllByTestId('container-file');
    // The root: /etc holds changes; /bin does not.
    expect(within(entry('/etc')).getByTestId('changed-inside')).toBeInTheDocument();
    expect(within(entry('/bin')).queryByTestId('changed-inside')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Open etc' }));
    await screen.findByText('new.conf');
    const badge = (path: string) => within(entry(path)).queryByTestId('badge')?.textContent ?? null;
    expect(badge('/etc/new.conf')).toBe('Added');
    expect(badge('/etc/motd')).toBe('Changed');
    expect(badge('/etc/passwd')).toBe('Deleted');
    // A deleted file is shown where it was, without actions.
    expect(within(entry('/etc/passwd')).queryByRole('button')).toBeNull();
  });

  it('uploads typed host paths into the open folder, and the new file shows as added', async () => {
    const { api } = setup();
    await screen.findAllByTestId('container-file');
    await userEvent.click(screen.getByRole('button', { name: 'Open root' }));
    await screen.findByTestId('files-up');
    await userEvent.click(screen.getByTestId('files-upload'));
    await userEvent.type(screen.getByTestId('upload-paths'), '/home/me/hello.txt');
    await userEvent.click(screen.getByTestId('upload-submit'));
    expect(api.calls.find((x) => x.method === 'uploadFiles')?.arg).toEqual({
      name: 'web',
      sources: [{ kind: 'typed', path: '/home/me/hello.txt' }],
      dir: '/root',
    });
    expect(await screen.findByTestId('files-status')).toHaveTextContent('Uploaded 1 item(s) to /root.');
    expect(within(entry('/root/hello.txt')).getByTestId('badge')).toHaveTextContent('Added');
  });

  it('uploads files chosen with Browse… by token, shown by name, beside typed ones', async () => {
    const { api } = setup();
    await screen.findAllByTestId('container-file');
    await userEvent.click(screen.getByTestId('files-upload'));
    api.pickedPath = '/home/me/picked.txt';
    await userEvent.click(screen.getByTestId('upload-browse'));
    const chosen = await screen.findByTestId('upload-chosen');
    expect(chosen).toHaveTextContent('picked.txt');
    // The typed field stays empty: a chosen path is never turned into typed text.
    expect(screen.getByTestId('upload-paths')).toHaveValue('');
    await userEvent.type(screen.getByTestId('upload-paths'), '/home/me/typed.txt');
    await userEvent.click(screen.getByTestId('upload-submit'));
    const arg = api.calls.find((x) => x.method === 'uploadFiles')?.arg as { sources: unknown[] };
    expect(arg.sources).toEqual([
      { kind: 'chosen', token: expect.stringMatching(/^token-/) },
      { kind: 'typed', path: '/home/me/typed.txt' },
    ]);
    expect(JSON.stringify(arg)).not.toContain('picked.txt');
    expect(await screen.findByTestId('files-status')).toHaveTextContent('Uploaded 2 item(s) to /.');
    expect(within(entry('/picked.txt')).getByTestId('badge')).toHaveTextContent('Added');
  });

  it('shows the shell refusing a path in the dialog', async () => {
    const { api } = setup();
    await screen.findAllByTestId('container-file');
    await userEvent.click(screen.getByTestId('files-upload'));
    await userEvent.type(screen.getByTestId('upload-paths'), 'relative.txt');
    await userEvent.click(screen.getByTestId('upload-submit'));
    expect(await screen.findByTestId('upload-error')).toHaveTextContent('relative.txt is not a full path');
    expect(api.calls.filter((x) => x.method === 'uploadFiles')).toHaveLength(1);
  });

  it('takes files dropped on the window as an upload, not an image import', async () => {
    const { api, view } = setup();
    await screen.findAllByTestId('container-file');
    expect(dropClaim.active).toBe(true);
    api.drop({ type: 'enter' });
    expect(await screen.findByTestId('files-drop-zone')).toBeInTheDocument();
    api.dropFiles(['/tmp/a.txt']);
    expect(await screen.findByTestId('files-status')).toHaveTextContent('Uploaded 1 item(s) to /.');
    // The drop reached the shell's command as a token, not as a path.
    const arg = api.calls.find((x) => x.method === 'uploadFiles')?.arg as { sources: { kind: string }[] };
    expect(arg.sources.map((s) => s.kind)).toEqual(['chosen']);
    expect(screen.queryByTestId('files-drop-zone')).toBeNull();
    view.unmount();
    expect(dropClaim.active).toBe(false);
  });

  it('edits a text file and writes a new one', async () => {
    const { api, c } = setup();
    await screen.findAllByTestId('container-file');
    await userEvent.click(screen.getByRole('button', { name: 'Open etc' }));
    await screen.findByText('motd');
    await userEvent.click(within(entry('/etc/motd')).getByText('Edit'));
    const text = await screen.findByTestId('editor-text');
    await screen.findByDisplayValue('hello');
    await userEvent.clear(text);
    await userEvent.type(text, 'welcome');
    await userEvent.click(screen.getByTestId('editor-save'));
    expect(await screen.findByTestId('files-status')).toHaveTextContent('Saved /etc/motd.');
    expect(c.files.get('/etc/motd')?.text).toBe('welcome');
    expect(within(entry('/etc/motd')).getByTestId('badge')).toHaveTextContent('Changed');

    await userEvent.click(screen.getByTestId('files-new'));
    const path = screen.getByTestId('editor-path');
    expect(path).toHaveValue('/etc/');
    expect(screen.getByTestId('editor-save')).toBeDisabled();
    await userEvent.type(path, 'app.conf');
    await userEvent.type(screen.getByTestId('editor-text'), 'port=80');
    await userEvent.click(screen.getByTestId('editor-save'));
    await screen.findByText('app.conf');
    expect(api.calls.filter((x) => x.method === 'writeTextFile').map((x) => (x.arg as { path: string }).path)).toEqual(['/etc/motd', '/etc/app.conf']);
  });

  describe('a device node, a FIFO', () => {
    /** /srv as `mknod /srv/zero c 1 5 && mkfifo /srv/pipe && echo hi > /srv/ok.txt` leaves it. */
    function devices(api: FakeApi, c: FakeContainer) {
      c.files.set('/srv', { kind: 'dir', text: '', mode: 0o755 });
      api.ctr.special(c, '/srv/zero', 'char');
      api.ctr.special(c, '/srv/pipe', 'fifo');
      api.ctr.write(c, '/srv/ok.txt', 'hi\n');
    }

    async function openSrv(open: string) {
      await screen.findAllByTestId('container-file');
      await userEvent.click(screen.getByRole('button', { name: open }));
      await screen.findByText('zero');
    }

    it('are listed with what they are and offer no Edit; a regular file beside them does', async () => {
      setup(devices);
      await openSrv('Open srv');
      expect(within(entry('/srv/zero')).getByTestId('file-kind')).toHaveTextContent('Character device');
      expect(within(entry('/srv/pipe')).getByTestId('file-kind')).toHaveTextContent('FIFO (named pipe)');
      expect(within(entry('/srv/zero')).queryByText('Edit')).toBeNull();
      expect(within(entry('/srv/pipe')).queryByText('Edit')).toBeNull();
      expect(within(entry('/srv/ok.txt')).queryByTestId('file-kind')).toBeNull();
      await userEvent.click(within(entry('/srv/ok.txt')).getByText('Edit'));
      expect(await screen.findByDisplayValue('hi')).toBeInTheDocument();
      expect(screen.queryByTestId('editor-error')).toBeNull();
    });

    it('saving over one is refused in the editor with the summary, the engine sentence and the hint', async () => {
      const { c } = setup(devices);
      await openSrv('Open srv');
      await userEvent.click(screen.getByTestId('files-new'));
      await userEvent.type(screen.getByTestId('editor-path'), 'zero');
      await userEvent.type(screen.getByTestId('editor-text'), 'data');
      await userEvent.click(screen.getByTestId('editor-save'));
      const note = await screen.findByTestId('editor-error');
      expect(note).toHaveAttribute('data-code', 'container.not_regular_file');
      expect(within(note).getByTestId('problem-summary')).toHaveTextContent('That is not a regular file, so it is not opened');
      expect(within(note).getByTestId('problem-detail')).toHaveTextContent(
        'cannot open "/srv/zero" in the container: it is a character device, not a regular file',
      );
      expect(within(note).getByTestId('problem-hint')).toHaveTextContent(
        'What to do: only regular files are read, edited or saved; device nodes, FIFOs and sockets are listed but never opened',
      );
      // The dialog stays open and the node is untouched.
      expect(screen.getByTestId('editor-dialog')).toBeInTheDocument();
      expect(c.files.get('/srv/zero')?.kind).toBe('char');
    });

    it('in Chinese, the refusal leads with the Chinese summary and hint, the engine sentence kept', async () => {
      setup(devices, zhCN);
      await openSrv('打开 srv');
      expect(within(entry('/srv/zero')).getByTestId('file-kind')).toHaveTextContent('字符设备');
      await userEvent.click(screen.getByTestId('files-new'));
      await userEvent.type(screen.getByTestId('editor-path'), 'pipe');
      await userEvent.click(screen.getByTestId('editor-save'));
      const note = await screen.findByTestId('editor-error');
      expect(within(note).getByTestId('problem-summary')).toHaveTextContent('这不是普通文件，因此不会打开它');
      expect(within(note).getByTestId('problem-detail')).toHaveTextContent('it is a FIFO (named pipe), not a regular file');
      expect(within(note).getByTestId('problem-hint')).toHaveTextContent(
        '建议: 只有普通文件可以读取、编辑或保存；设备节点、FIFO（命名管道）和套接字只会列出，绝不会被打开',
      );
      expect(note).not.toHaveTextContent('That is not a regular file');
    });

    it('a file that became a device after it was listed is refused on Edit, with nothing to save', async () => {
      const { api, c } = setup(devices);
      await openSrv('Open srv');
      // Something else (a shell in the container) swaps the file for a device node.
      api.ctr.remove(c, '/srv/ok.txt');
      api.ctr.special(c, '/srv/ok.txt', 'char');
      await userEvent.click(within(entry('/srv/ok.txt')).getByText('Edit'));
      const note = await screen.findByTestId('editor-error');
      expect(within(note).getByTestId('problem-summary')).toHaveTextContent('That is not a regular file, so it is not opened');
      expect(within(note).getByTestId('problem-detail')).toHaveTextContent('"/srv/ok.txt"');
      // Saving the empty editor would write over what is there: it is not offered.
      expect(screen.getByTestId('editor-text')).toBeDisabled();
      expect(screen.getByTestId('editor-save')).toBeDisabled();
      expect(api.calls.filter((x) => x.method === 'writeTextFile')).toHaveLength(0);
    });
  });

  it('shows a failed delete in the UI language above the list', async () => {
    const { api } = setup(() => {}, zhCN);
    await screen.findAllByTestId('container-file');
    api.fail('deletePath', {
      code: 'container.invalid_path',
      message: 'cannot use the path "/tmp" in the container: the folder is not empty',
    });
    const confirm = window.confirm;
    window.confirm = () => true;
    try {
      await userEvent.click(within(entry('/tmp')).getByText('删除'));
    } finally {
      window.confirm = confirm;
    }
    const note = await screen.findByTestId('files-error');
    expect(note).toHaveAttribute('data-code', 'container.invalid_path');
    expect(within(note).getByTestId('problem-summary')).toHaveTextContent('该路径不能在容器中使用');
    expect(within(note).getByTestId('problem-detail')).toHaveTextContent('the folder is not empty');
  });
});
