import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import ErrorBanner from './ErrorBanner.svelte';

const invalid = {
  id: 7,
  problem: {
    code: 'settings.invalid',
    message: 'the settings file /x/settings.json is not valid',
    hint: 'fix the file or delete it to start from the defaults: /x/settings.json',
  },
};

describe('ErrorBanner', () => {
  it('shows the message and the hint of a problem', () => {
    render(ErrorBanner, { notices: [invalid], m: en, ondismiss: () => {} });
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('the settings file /x/settings.json is not valid');
    expect(alert).toHaveTextContent('What to do: fix the file or delete it');
  });

  it('shows no hint line when the problem has none', () => {
    const bare = { id: 1, problem: { code: 'ipc.failed', message: 'command app_info not allowed' } };
    render(ErrorBanner, { notices: [bare], m: en, ondismiss: () => {} });
    expect(screen.getByRole('alert')).toHaveTextContent('command app_info not allowed');
    expect(screen.queryByText(/What to do/)).toBeNull();
  });

  it('is absent when nothing went wrong', () => {
    render(ErrorBanner, { notices: [], m: en, ondismiss: () => {} });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('can be dismissed, labelled in the current language', async () => {
    const ondismiss = vi.fn();
    render(ErrorBanner, { notices: [invalid], m: zhCN, ondismiss });
    expect(screen.getByRole('alert')).toHaveTextContent('建议:');
    await userEvent.click(screen.getByRole('button', { name: '关闭' }));
    expect(ondismiss).toHaveBeenCalledWith(7);
  });
});
