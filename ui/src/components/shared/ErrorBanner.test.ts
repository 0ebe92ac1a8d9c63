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
    hint: { key: 'settings.fix_or_delete', args: { path: '/x/settings.json' } },
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

  it('in Chinese, leads with the translated summary and keeps the engine message as detail', () => {
    render(ErrorBanner, { notices: [invalid], m: zhCN, locale: 'zh-CN', ondismiss: () => {} });
    const alert = screen.getByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'settings.invalid');
    expect(alert.querySelector('.message')).toHaveTextContent('设置文件无效');
    expect(alert.querySelector('.detail')).toHaveTextContent('the settings file /x/settings.json is not valid');
    // The hint is said in Chinese from its key, its path filled in.
    expect(alert).toHaveTextContent('建议: 请修正该文件，或删除它以恢复默认设置：/x/settings.json');
  });

  it('in Chinese, knows the language from the catalogue when no locale is passed', () => {
    render(ErrorBanner, { notices: [invalid], m: zhCN, ondismiss: () => {} });
    expect(screen.getByRole('alert').querySelector('.message')).toHaveTextContent('设置文件无效');
  });

  it('in Chinese, an unknown code falls back to its area and an unknown hint is left out', () => {
    const fresh = {
      id: 3,
      problem: {
        code: 'registry.brand_new',
        message: 'registry.example answered 418 to GET /v2/',
        hint: { key: 'registry.ask_why', args: {} },
      },
    };
    render(ErrorBanner, { notices: [fresh], m: zhCN, locale: 'zh-CN', ondismiss: () => {} });
    const alert = screen.getByRole('alert');
    expect(alert.querySelector('.message')).toHaveTextContent('镜像仓库返回了错误');
    expect(alert.querySelector('.detail')).toHaveTextContent('registry.example answered 418 to GET /v2/');
    expect(alert.querySelector('.hint')).toBeNull();
  });

  it('says a login hint as the app’s own button and screen, never as a command', () => {
    const login = {
      id: 4,
      problem: {
        code: 'credentials.not_logged_in',
        message: 'not logged in to ghcr.io',
        hint: { key: 'credentials.log_in', args: { registry: 'ghcr.io' } },
      },
    };
    render(ErrorBanner, { notices: [login], m: en, ondismiss: () => {} });
    expect(screen.getByRole('alert')).toHaveTextContent('What to do: log in to ghcr.io with Log in… on the Registries screen');
    expect(screen.getByRole('alert')).not.toHaveTextContent('strata login');
  });

  it('in English, keeps the engine message as the main line and no second line', () => {
    render(ErrorBanner, { notices: [invalid], m: en, locale: 'en', ondismiss: () => {} });
    const alert = screen.getByRole('alert');
    expect(alert.querySelector('.message')).toHaveTextContent('the settings file /x/settings.json is not valid');
    expect(alert.querySelector('.detail')).toBeNull();
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
