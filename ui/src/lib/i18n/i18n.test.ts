import { describe, expect, it } from 'vitest';
import { en } from './en';
import { I18n, localeFromSystem } from './index.svelte';
import { zhCN } from './zh-CN';

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function leaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Object.values(value as object).flatMap(leaves);
}

describe('i18n', () => {
  it('both catalogues have the same keys and no empty text', () => {
    expect(keys(zhCN)).toEqual(keys(en));
    for (const text of [...leaves(en), ...leaves(zhCN)]) expect(text.trim()).not.toBe('');
  });

  it('the Chinese catalogue is translated, not copied', () => {
    const copied = keys(en).filter((k, i) => leaves(en)[i] === leaves(zhCN)[i]);
    // Only the product name stays the same in both.
    expect(copied).toEqual(['app.name']);
  });

  it('maps system locales to a catalogue', () => {
    expect(localeFromSystem(['zh-CN'])).toBe('zh-CN');
    expect(localeFromSystem(['zh-Hans-SG'])).toBe('zh-CN');
    expect(localeFromSystem(['zh-TW'])).toBe('zh-CN');
    expect(localeFromSystem(['fr-FR', 'zh-CN'])).toBe('zh-CN');
    expect(localeFromSystem(['en-US', 'zh-CN'])).toBe('en');
    expect(localeFromSystem(['de-DE'])).toBe('en');
    expect(localeFromSystem([])).toBe('en');
  });

  it('switches every string at once', () => {
    const i18n = new I18n();
    i18n.apply('zh-CN');
    expect(i18n.m.nav.registries).toBe('镜像仓库');
    i18n.apply('system', ['en-US']);
    expect(i18n.m.nav.registries).toBe('Registries');
  });
});
