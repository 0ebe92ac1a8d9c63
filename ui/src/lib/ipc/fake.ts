// The test double for StrataApi, also used when the page runs in a plain browser (`npm run
// dev` without the shell). It keeps settings in memory and can be told to fail, so that
// tests can show how the UI handles a Problem.
import type { AppInfo, Settings, SettingsPatch } from '../bindings.gen';
import type { StrataApi } from './api';
import { ProblemError, type Problem } from './problem';

type Method = keyof StrataApi;

export class FakeApi implements StrataApi {
  settings: Settings;
  info: AppInfo = {
    version: '0.0.0-browser',
    home: '/tmp/strata',
    home_source: 'platform',
    settings_path: '/tmp/strata/settings.json',
  };
  /** Every call, in order, with its argument: what tests assert on. */
  readonly calls: { method: Method; arg?: unknown }[] = [];
  readyCount = 0;
  private failures = new Map<Method, Problem>();

  constructor(settings: Partial<Settings> = {}) {
    this.settings = { language: 'system', theme: 'system', ...settings };
  }

  /** Makes the next calls of `method` reject with `problem` until `succeed` is called. */
  fail(method: Method, problem: Problem): this {
    this.failures.set(method, problem);
    return this;
  }

  succeed(method: Method): this {
    this.failures.delete(method);
    return this;
  }

  private check(method: Method, arg?: unknown): void {
    this.calls.push(arg === undefined ? { method } : { method, arg });
    const problem = this.failures.get(method);
    if (problem) throw new ProblemError(problem);
  }

  async appInfo(): Promise<AppInfo> {
    this.check('appInfo');
    return { ...this.info };
  }

  async getSettings(): Promise<Settings> {
    this.check('getSettings');
    return { ...this.settings };
  }

  async setSettings(patch: SettingsPatch): Promise<Settings> {
    this.check('setSettings', patch);
    this.settings = { ...this.settings, ...patch };
    return { ...this.settings };
  }

  async uiReady(): Promise<void> {
    this.check('uiReady');
    this.readyCount += 1;
  }
}
