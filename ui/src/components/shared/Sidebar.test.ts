import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import Sidebar from './Sidebar.svelte';

describe('Sidebar', () => {
  it('lists the five screens and marks the open one', () => {
    render(Sidebar, { current: 'registries', m: en, onselect: () => {} });
    const names = screen.getAllByRole('button').map((b) => b.textContent?.trim());
    expect(names).toEqual(['Images', 'Containers', 'Registries', 'Tasks', 'Settings']);
    expect(screen.getByRole('button', { name: 'Registries' })).toHaveAttribute(
      'aria-current',
      'page',
    );
    expect(screen.getByRole('button', { name: 'Images' })).not.toHaveAttribute('aria-current');
  });

  it('names the screens in Chinese', () => {
    render(Sidebar, { current: 'images', m: zhCN, onselect: () => {} });
    const names = screen.getAllByRole('button').map((b) => b.textContent?.trim());
    expect(names).toEqual(['镜像', '容器', '镜像仓库', '任务', '设置']);
  });

  it('asks to open the screen that was clicked', async () => {
    const onselect = vi.fn();
    render(Sidebar, { current: 'images', m: en, onselect });
    await userEvent.click(screen.getByRole('button', { name: 'Tasks' }));
    await userEvent.click(screen.getByRole('button', { name: 'Settings' }));
    expect(onselect.mock.calls).toEqual([['tasks'], ['settings']]);
  });
});
