import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow, fakeTask } from '../../lib/ipc/fake-images';
import { ImagesModel } from '../../lib/state/images.svelte';
import { TasksModel } from '../../lib/state/tasks.svelte';
import TaskList from './TaskList.svelte';

async function setup(api = new FakeApi(), m = en) {
  const tasks = new TasksModel(api);
  await tasks.watch();
  render(TaskList, { tasks, m });
  return { api, tasks };
}

describe('TaskList', () => {
  it('shows a running import with its byte progress as it moves', async () => {
    const api = new FakeApi();
    api.tasks = [fakeTask(1, { subject: '/tmp/app.tar', done: 250_000, total: 1_000_000 })];
    await setup(api);
    const task = screen.getByTestId('task');
    expect(task).toHaveTextContent('Import');
    expect(task).toHaveTextContent('/tmp/app.tar');
    expect(task).toHaveTextContent('250 kB of 1 MB · 25%');
    expect(within(task).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '25');

    api.updateTask(1, { done: 750_000 });
    await screen.findByText(/750 kB of 1 MB · 75%/);
    api.updateTask(1, { state: 'done', done: 1_000_000, outcome: ['app:1'] });
    expect(await screen.findByTestId('task-state')).toHaveTextContent('Done');
    expect(screen.getByTestId('task-outcome')).toHaveTextContent('app:1');
    expect(screen.queryByTestId('task-cancel')).toBeNull();
  });

  it('cancels a running task and shows it cancelled', async () => {
    const api = new FakeApi();
    api.tasks = [fakeTask(3, { kind: 'export', subject: 'nginx:1', target: '/tmp/nginx.tar' })];
    await setup(api);
    expect(screen.getByTestId('task')).toHaveTextContent('to /tmp/nginx.tar');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(api.calls.find((c) => c.method === 'cancelTask')?.arg).toBe(3);
    expect(await screen.findByTestId('task-state')).toHaveTextContent('Cancelled');
  });

  it('shows why a task failed, and clears finished tasks', async () => {
    const api = new FakeApi();
    api.tasks = [
      fakeTask(1, {
        state: 'failed',
        problem: {
          code: 'image.corrupt',
          message: 'the archive is corrupt: /tmp/x',
          hint: { key: 'image.write_archive_again', args: {} },
        },
      }),
      fakeTask(2, { subject: '/tmp/b.tar' }),
    ];
    await setup(api, zhCN);
    expect(screen.getAllByTestId('task').map((t) => t.dataset.taskId)).toEqual(['2', '1']);
    // In Chinese the failure leads with the code's summary and says the hint in Chinese.
    expect(screen.getByTestId('task-problem')).toHaveTextContent(
      '镜像归档文件已损坏：the archive is corrupt: /tmp/x — 未导入任何内容；请从来源重新生成该归档文件',
    );
    expect(screen.getAllByTestId('task-state').map((s) => s.textContent)).toEqual(['进行中', '失败']);
    await userEvent.click(screen.getByRole('button', { name: '清除已结束的任务' }));
    expect(screen.getAllByTestId('task').map((t) => t.dataset.taskId)).toEqual(['2']);
  });

  it('an import started from the Images screen or a drop shows up, and the table reloads when it is done', async () => {
    const api = new FakeApi();
    const images = new ImagesModel(api);
    await images.tasks.watch();
    await images.watchDrops();
    render(TaskList, { tasks: images.tasks, m: en });
    api.drop({ type: 'enter' });
    expect(images.dragging).toBe(true);
    api.dropFiles(['/tmp/dropped.tar']);
    expect(images.dragging).toBe(false);
    expect(await screen.findByTestId('task')).toHaveTextContent('/tmp/dropped.tar');
    // The dropped file goes back to the shell as its token, not as a path.
    expect(api.calls.find((c) => c.method === 'importImage')?.arg).toEqual({
      source: { kind: 'chosen', token: expect.stringMatching(/^token-/) },
      tag: null,
    });

    api.images = [fakeRow('dropped:1')];
    api.updateTask(1, { state: 'done' });
    await new Promise((r) => setTimeout(r, 0));
    expect(images.rows.map((r) => r.repository)).toEqual(['dropped']);
  });
});
