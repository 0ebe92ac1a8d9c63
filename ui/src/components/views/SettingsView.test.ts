import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeApi } from '../../lib/ipc/fake';
import { AppModel } from '../../lib/state/app.svelte';
import SettingsView from './SettingsView.svelte';

async function setup(api = new FakeApi(), system = ['en-US']) {
  const model = new AppModel(api, () => system);
  await model.init();
  render(SettingsView, { model });
  return { api, model };
}

describe('SettingsView language switch', () => {
  it('applies Chinese at once and saves it', async () => {
    const { api } = await setup();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Settings');
    await userEvent.click(screen.getByRole('radio', { name: '简体中文' }));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('设置');
    expect(screen.getByText('语言')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: '简体中文' })).toHaveAttribute('aria-checked', 'true');
    expect(api.settings.language).toBe('zh-CN');
    expect(document.documentElement.lang).toBe('zh-CN');
  });

  it('goes back to English, and "follow system" follows the system', async () => {
    const { api } = await setup(new FakeApi({ language: 'zh-CN' }), ['zh-TW', 'en']);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('设置');
    await userEvent.click(screen.getByRole('radio', { name: 'English' }));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Settings');
    const language = screen.getByRole('radiogroup', { name: 'Language' });
    await userEvent.click(within(language).getByRole('radio', { name: 'Follow system' }));
    // The system prefers Chinese here.
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('设置');
    expect(api.settings.language).toBe('system');
  });

  it('keeps the choice on screen and says so when saving fails', async () => {
    const api = new FakeApi().fail('setSettings', {
      code: 'settings.write',
      message: 'cannot save the settings file /ro/settings.json',
      hint: { key: 'settings.check_folder', args: {} },
    });
    const { model } = await setup(api);
    await userEvent.click(screen.getByRole('radio', { name: '简体中文' }));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('设置');
    expect(model.notices.items.map((n) => n.problem.code)).toEqual(['settings.write']);
  });

  it('shows the version and where the store is', async () => {
    await setup();
    expect(screen.getByTestId('app-version')).toHaveTextContent('0.0.0-browser');
    expect(screen.getByText('/tmp/strata')).toBeInTheDocument();
    expect(screen.getByText('the default for this system')).toBeInTheDocument();
  });
});

describe('SettingsView push compression', () => {
  it('saves the choice and the level, and offers each compressor its own levels', async () => {
    const { api } = await setup();
    const group = screen.getByRole('radiogroup', { name: 'Push compression' });
    expect(within(group).getByRole('radio', { name: 'Automatic' })).toHaveAttribute('aria-checked', 'true');
    await userEvent.click(within(group).getByRole('radio', { name: 'zstd' }));
    expect(api.settings.push_compression).toBe('zstd');
    const level = screen.getByLabelText('Compression level');
    // zstd goes to 22, gzip stops at 9.
    expect(within(level).getByRole('option', { name: '19' })).toBeInTheDocument();
    await userEvent.selectOptions(level, '19');
    expect(api.settings.push_compression_level).toBe(19);
    await userEvent.click(within(group).getByRole('radio', { name: 'gzip' }));
    expect(api.settings).toMatchObject({ push_compression: 'gzip', push_compression_level: 0 });
    expect(within(screen.getByLabelText('Compression level')).queryByRole('option', { name: '19' })).toBeNull();
    // Sending layers as stored has no level to choose.
    await userEvent.click(within(group).getByRole('radio', { name: 'None' }));
    expect(api.settings.push_compression).toBe('none');
    expect(screen.queryByLabelText('Compression level')).toBeNull();
  });
});
