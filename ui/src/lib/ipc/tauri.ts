// The Tauri implementation of StrataApi: one typed wrapper per command in
// src-tauri/src/commands/. Argument names match the Rust parameters (camelCase in JS).
import { invoke } from '@tauri-apps/api/core';
import type { AppInfo, Settings, SettingsPatch } from '../bindings.gen';
import type { StrataApi } from './api';
import { ProblemError, toProblem } from './problem';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw new ProblemError(toProblem(error));
  }
}

export const appInfo = (): Promise<AppInfo> => call<AppInfo>('app_info');
export const getSettings = (): Promise<Settings> => call<Settings>('get_settings');
export const setSettings = (patch: SettingsPatch): Promise<Settings> =>
  call<Settings>('set_settings', { patch });
export const uiReady = (): Promise<void> => call<void>('ui_ready');

export const tauriApi: StrataApi = { appInfo, getSettings, setSettings, uiReady };

/** True inside the Tauri webview, false in a plain browser or under vitest. */
export function insideTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
