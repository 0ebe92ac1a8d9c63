import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { TaskInfo, Unit } from '../../lib/bindings.gen';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { fakeTask } from '../../lib/ipc/fake-images';
import TaskRow from './TaskRow.svelte';

const blob = (hex: string, over: Partial<Unit>): Unit => ({
  id: `sha256:${hex.repeat(64 / hex.length)}`,
  kind: 'layer',
  done: 0,
  total: 1_000_000,
  state: 'waiting',
  bytes_per_second: 0,
  within: null,
  ...over,
});

const layers = [
  blob('a', { kind: 'config', total: 2_000, state: 'skipped' }),
  blob('b', { state: 'mounted', total: 3_000_000 }),
  blob('c', { state: 'transferring', done: 500_000, bytes_per_second: 2_500_000 }),
  blob('d', { state: 'waiting' }),
];

describe('TaskRow with layers', () => {
  it('shows a running push: a bar per blob, skipped and mounted labelled, speed, cancel', async () => {
    const oncancel = vi.fn();
    const task = fakeTask(7, {
      kind: 'push',
      subject: 'e2e/demo:1',
      target: '127.0.0.1:5000/e2e/demo:1',
      done: 3_502_000,
      total: 5_002_000,
      units: layers,
      bytes_per_second: 2_500_000,
    });
    render(TaskRow, { task, m: en, oncancel });
    expect(screen.getByTestId('task')).toHaveTextContent('Push');
    expect(screen.getByTestId('task-speed')).toHaveTextContent('2.5 MB/s');
    const rows = screen.getAllByTestId('task-layer');
    expect(rows.map((r) => r.dataset.state)).toEqual(['skipped', 'mounted', 'transferring', 'waiting']);
    expect(rows[0]).toHaveTextContent('Config');
    expect(rows[0]).toHaveTextContent('aaaaaaaaaaaa');
    expect(within(rows[0]!).getByTestId('task-layer-state')).toHaveTextContent('Skipped');
    expect(within(rows[0]!).getByTestId('task-layer-state')).toHaveAttribute('title', 'Already there: nothing to transfer');
    expect(within(rows[1]!).getByTestId('task-layer-state')).toHaveTextContent('Mounted');
    expect(within(rows[1]!).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
    expect(rows[2]).toHaveTextContent('500 kB / 1 MB');
    expect(rows[2]).toHaveTextContent('2.5 MB/s');
    expect(within(rows[2]!).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '50');
    expect(within(rows[3]!).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '0');
    await userEvent.click(screen.getByTestId('task-cancel'));
    expect(oncancel).toHaveBeenCalledWith(7);
  });

  it('after a push, shows where it went and the pushed digest (简体中文)', () => {
    const digest = 'sha256:' + 'f'.repeat(64);
    const task = fakeTask(8, {
      kind: 'push',
      state: 'done',
      subject: 'e2e/demo:1',
      target: '127.0.0.1:5000/e2e/demo:1',
      units: layers.map((l) => ({ ...l, state: l.state === 'waiting' || l.state === 'transferring' ? 'done' : l.state, bytes_per_second: 0 })),
      outcome: ['127.0.0.1:5000/e2e/demo:1'],
      digest,
    });
    render(TaskRow, { task, m: zhCN, oncancel: () => {} });
    expect(screen.getByTestId('task')).toHaveTextContent('推送');
    expect(screen.getByTestId('task-state')).toHaveTextContent('已完成');
    expect(screen.getAllByTestId('task-layer-state').map((s) => s.textContent)).toEqual(['已跳过', '已挂载', '已完成', '已完成']);
    expect(screen.getByTestId('task-outcome')).toHaveTextContent('已推送到 127.0.0.1:5000/e2e/demo:1');
    expect(screen.getByTestId('task-digest')).toHaveTextContent(digest);
    expect(screen.getByTestId('task-speed')).toHaveTextContent('');
    expect(screen.queryByTestId('task-cancel')).toBeNull();
  });

  it('after a push, says how many layers it compressed and at which level, and why that level', () => {
    const done = (compressed: TaskInfo['compressed']) =>
      fakeTask(10, { kind: 'push', state: 'done', subject: 'e2e/demo:1', outcome: ['127.0.0.1:5000/e2e/demo:1'], compressed });
    const nearby = render(TaskRow, { task: done({ layers: 4, compression: 'gzip', level: 2, nearby: true }), m: en, oncancel: () => {} });
    const line = screen.getByTestId('task-compressed');
    expect(line).toHaveTextContent('Compressed 4 layers with gzip level 2: the registry is on this machine or a private network');
    expect(line.dataset.level).toBe('2');
    nearby.unmount();
    const far = render(TaskRow, { task: done({ layers: 1, compression: 'gzip', level: 6, nearby: false }), m: zhCN, oncancel: () => {} });
    expect(screen.getByTestId('task-compressed')).toHaveTextContent('已用 gzip 级别 6 压缩 1 个层');
    expect(screen.getByTestId('task-compressed')).not.toHaveTextContent('私有网络');
    far.unmount();
    // Every layer sent as stored (already compressed, or none asked): no line.
    render(TaskRow, { task: done(null), m: en, oncancel: () => {} });
    expect(screen.queryByTestId('task-compressed')).toBeNull();
    expect(screen.getByTestId('task-outcome')).toHaveTextContent('Pushed to 127.0.0.1:5000/e2e/demo:1');
  });

  it('a failed pull shows its error with the hint; a pulled one its name', () => {
    const failed = fakeTask(9, {
      kind: 'pull',
      state: 'failed',
      subject: '127.0.0.1:5000/private/app:1',
      units: [blob('c', { state: 'transferring', done: 10 })],
      problem: {
        code: 'registry.unauthorized',
        message: 'the credentials were refused by 127.0.0.1:5000',
        hint: { key: 'registry.log_in', args: {} },
      },
    });
    const { unmount } = render(TaskRow, { task: failed, m: en, oncancel: () => {} });
    expect(screen.getByTestId('task-problem')).toHaveTextContent(
      'the credentials were refused by 127.0.0.1:5000 — log in first with Log in… on the Registries screen',
    );
    unmount();
    // In Chinese, the same row leads with the code's summary and says the hint in Chinese.
    const zh = render(TaskRow, { task: failed, m: zhCN, oncancel: () => {} });
    expect(screen.getByTestId('task-problem')).toHaveTextContent(
      '镜像仓库拒绝了凭据，或需要先登录（401 未授权）：the credentials were refused by 127.0.0.1:5000 — 请先在“镜像仓库”页面用“登录…”登录',
    );
    zh.unmount();
    render(TaskRow, { task: fakeTask(10, { kind: 'pull', state: 'done', subject: 'busybox:latest', outcome: ['busybox:latest'] }), m: en, oncancel: () => {} });
    expect(screen.getByTestId('task-outcome')).toHaveTextContent('Pulled as busybox:latest');
    expect(screen.queryByTestId('task-layers')).toBeNull();
  });

  it('a copy shows the same rows as a push; an import shows its archive and the blobs read out of it', () => {
    const copy = fakeTask(11, {
      kind: 'copy',
      subject: '127.0.0.1:5000/src/app:1',
      target: '127.0.0.1:5001/dst/app:1',
      units: [blob('a', { kind: 'config', total: 2_000, done: 2_000, state: 'done' }), blob('c', { state: 'transferring', done: 250_000, bytes_per_second: 1_000_000 })],
      bytes_per_second: 1_000_000,
    });
    const { unmount } = render(TaskRow, { task: copy, m: en, oncancel: () => {} });
    expect(screen.getAllByTestId('task-layer').map((r) => `${r.dataset.kind}:${r.dataset.state}`)).toEqual(['config:done', 'layer:transferring']);
    expect(screen.getByTestId('task-speed')).toHaveTextContent('1 MB/s');
    unmount();
    const archive: Unit = { id: '/tmp/app.tar', kind: 'archive', done: 600, total: 1_000, state: 'transferring', bytes_per_second: 0, within: null };
    const inside = blob('b', { kind: 'blob', total: 500, done: 500, state: 'done', within: '/tmp/app.tar' });
    render(TaskRow, { task: fakeTask(12, { units: [archive, inside] }), m: zhCN, oncancel: () => {} });
    const rows = screen.getAllByTestId('task-layer');
    expect(rows[0]).toHaveTextContent('归档');
    expect(rows[0]).toHaveTextContent('app.tar');
    expect(rows[0]).toHaveTextContent('600 B / 1 kB');
    expect(rows[1]).toHaveClass('within');
    expect(rows[1]).toHaveTextContent('数据块');
  });
});
