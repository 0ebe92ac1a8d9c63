import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import { ImagesModel } from '../../lib/state/images.svelte';
import ImagesScreen from '../images/ImagesScreen.svelte';

async function openPull(m = en) {
  const api = new FakeApi();
  const model = new ImagesModel(api);
  await model.tasks.watch();
  const onopentasks = vi.fn();
  render(ImagesScreen, { model, m, locale: m === en ? 'en' : 'zh-CN', onopentasks });
  await userEvent.click(await screen.findByTestId('pull-open'));
  return { api, model, onopentasks };
}

describe('PullDialog', () => {
  it('shows the full name as it is typed, checks the platform, then starts a pull task', async () => {
    const { api, model, onopentasks } = await openPull();
    const submit = screen.getByTestId('pull-submit');
    expect(submit).toBeDisabled();
    await userEvent.type(screen.getByTestId('pull-reference'), 'busybox');
    expect(await screen.findByTestId('pull-full')).toHaveTextContent('Full name: docker.io/library/busybox:latest');
    await userEvent.type(screen.getByTestId('pull-platform'), 'linux');
    expect(screen.getByTestId('pull-platform-error')).toHaveTextContent('e.g. linux/arm64');
    expect(submit).toBeDisabled();
    await userEvent.type(screen.getByTestId('pull-platform'), '/arm64');
    expect(screen.queryByTestId('pull-platform-error')).toBeNull();
    await userEvent.click(submit);

    expect(api.calls.find((c) => c.method === 'pullImage')?.arg).toEqual({ reference: 'busybox', platform: 'linux/arm64' });
    expect(screen.queryByTestId('pull-dialog')).toBeNull();
    expect(screen.getByTestId('images-status')).toHaveTextContent('Pulling busybox:latest.');
    // The running pull shows on the Images screen, and the notice links to Tasks.
    const strip = screen.getByTestId('running-tasks');
    expect(within(strip).getByTestId('task')).toHaveAttribute('data-kind', 'pull');
    await userEvent.click(screen.getByTestId('status-open-tasks'));
    expect(onopentasks).toHaveBeenCalledOnce();

    // When it is done, the table reloads with the pulled image.
    api.images = [fakeRow('busybox:latest')];
    const id = model.tasks.items[0]!.id;
    api.updateTask(id, { state: 'done', outcome: ['busybox:latest'], digest: 'sha256:' + 'e'.repeat(64) });
    expect(await screen.findByTestId('image-row')).toHaveAttribute('data-reference', 'docker.io/library/busybox:latest');
    expect(screen.getByTestId('images-status')).toHaveTextContent('Pulled busybox:latest.');
  });

  it('explains a name that is not one and does not pull (简体中文)', async () => {
    const { api } = await openPull(zhCN);
    expect(screen.getByTestId('pull-dialog')).toHaveTextContent('拉取镜像');
    await userEvent.type(screen.getByTestId('pull-reference'), 'Bad Name');
    expect(await screen.findByTestId('pull-error')).toHaveTextContent('is not a valid image reference');
    expect(screen.getByTestId('pull-submit')).toBeDisabled();
    expect(api.calls.some((c) => c.method === 'pullImage')).toBe(false);
  });

  it('shows why the shell refused to start the pull, and stays open', async () => {
    const { api } = await openPull();
    api.fail('pullImage', { code: 'store.layout', message: 'cannot open the store', hint: { key: 'store.choose_home', args: {} } });
    await userEvent.type(screen.getByTestId('pull-reference'), 'nginx:1.25');
    await screen.findByTestId('pull-full');
    await userEvent.click(screen.getByTestId('pull-submit'));
    const refused = await screen.findByTestId('pull-refused');
    expect(refused).toHaveTextContent('The folder is not a usable image store');
    expect(refused).toHaveTextContent('cannot open the store');
    expect(refused).toHaveTextContent('What to do: set STRATA_HOME to an empty folder or an existing Strata store');
    expect(screen.getByTestId('pull-dialog')).toBeInTheDocument();
  });

  it('in Chinese, says why the shell refused and what to do in Chinese, the engine sentence kept', async () => {
    const { api } = await openPull(zhCN);
    api.fail('pullImage', {
      code: 'credentials.not_logged_in',
      message: 'not logged in to ghcr.io',
      hint: { key: 'credentials.log_in', args: { registry: 'ghcr.io' } },
    });
    await userEvent.type(screen.getByTestId('pull-reference'), 'ghcr.io/o/app:1');
    await screen.findByTestId('pull-full');
    await userEvent.click(screen.getByTestId('pull-submit'));
    const refused = await screen.findByTestId('pull-refused');
    expect(within(refused).getByTestId('problem-summary')).toHaveTextContent('尚未登录该镜像仓库');
    expect(within(refused).getByTestId('problem-detail')).toHaveTextContent('not logged in to ghcr.io');
    expect(within(refused).getByTestId('problem-hint')).toHaveTextContent('建议: 请在“镜像仓库”页面用“登录…”登录 ghcr.io');
  });

  it('in Chinese, a name that is not one is refused in Chinese under the field', async () => {
    await openPull(zhCN);
    await userEvent.type(screen.getByTestId('pull-reference'), 'Bad Name');
    const line = await screen.findByTestId('pull-error');
    expect(line).toHaveTextContent('镜像引用格式无效：');
    expect(line).toHaveTextContent('镜像名称的格式为');
  });
});
