// The app's own state: which screen is open, the settings, what the shell told us about
// itself, and the session every screen shares (tasks and problems). Screens read it;
// changes go through its methods so that the shell and the screen never disagree.
import type {
  AppInfo,
  Language,
  MirrorImport,
  MirrorSource,
  ProxySettings,
  PushCompression,
  Settings,
  Theme,
} from '../bindings.gen';
import { I18n, systemLanguages } from '../i18n/index.svelte';
import type { StrataApi } from '../ipc';
import type { Notices } from './notices.svelte';
import { appSession, type Session } from './session.svelte';

export const screens = ['images', 'containers', 'registries', 'tasks', 'settings'] as const;
export type Screen = (typeof screens)[number];

export class AppModel {
  screen: Screen = $state('images');
  settings: Settings = $state({
    language: 'system',
    theme: 'system',
    push_compression: 'auto',
    push_compression_level: 0,
    mirrors: {},
  });
  info: AppInfo | undefined = $state();
  readonly i18n: I18n;
  /** The task list and the problems every screen shares. */
  readonly session: Session;
  readonly api: StrataApi;
  private readonly system: () => readonly string[];

  /** `system` gives the system's preferred languages (a parameter so tests can vary it). */
  constructor(api: StrataApi, system: () => readonly string[] = systemLanguages) {
    this.api = api;
    this.session = appSession(api);
    this.system = system;
    this.i18n = new I18n();
    this.i18n.apply('system', this.system());
  }

  /** The problems the window's banner shows, from every screen. */
  get notices(): Notices {
    return this.session.notices;
  }

  /** Loads settings and app info. A failure is shown, and the defaults stay in force. */
  async init(): Promise<void> {
    const [settings, info] = await Promise.all([
      this.notices.guard(() => this.api.getSettings()),
      this.notices.guard(() => this.api.appInfo()),
    ]);
    if (settings) this.adopt(settings);
    this.info = info;
  }

  open(screen: Screen): void {
    this.screen = screen;
  }

  /** Applies at once; then saves. If saving fails, the UI says so and keeps the choice. */
  async setLanguage(language: Language): Promise<void> {
    this.settings.language = language;
    this.i18n.apply(language, this.system());
    const saved = await this.notices.guard(() => this.api.setSettings({ language }));
    if (saved) this.adopt(saved);
  }

  async setTheme(theme: Theme): Promise<void> {
    this.settings.theme = theme;
    applyTheme(theme);
    const saved = await this.notices.guard(() => this.api.setSettings({ theme }));
    if (saved) this.adopt(saved);
  }

  /** How pushes compress layers, and at which level (0: the compressor's default). */
  async setPushCompression(push_compression: PushCompression, push_compression_level: number): Promise<void> {
    this.settings.push_compression = push_compression;
    this.settings.push_compression_level = push_compression_level;
    const saved = await this.notices.guard(() =>
      this.api.setSettings({ push_compression, push_compression_level }),
    );
    if (saved) this.adopt(saved);
  }

  /** Adds a mirror; `false` when the engine refused it (the banner says why). */
  async addMirror(registry: string, url: string): Promise<boolean> {
    const saved = await this.notices.guard(() => this.api.addMirror(registry.trim(), url.trim()));
    if (saved) this.adopt(saved);
    return saved !== undefined;
  }

  async removeMirror(registry: string, url?: string): Promise<void> {
    const saved = await this.notices.guard(() => this.api.removeMirror(registry, url));
    if (saved) this.adopt(saved);
  }

  /** Imports mirrors from this machine's docker or containers file; returns what was done. */
  async importMirrors(source: MirrorSource): Promise<MirrorImport | undefined> {
    const done = await this.notices.guard(() => this.api.importMirrors(source));
    if (done) this.settings = { ...this.settings, mirrors: done.mirrors };
    return done;
  }

  /** Sets the proxy (`null`: the environment's); `false` when it was refused. */
  async setProxy(proxy: ProxySettings | null): Promise<boolean> {
    const saved = await this.notices.guard(() => this.api.setProxy(proxy));
    if (saved) this.adopt(saved);
    return saved !== undefined;
  }

  private adopt(settings: Settings): void {
    this.settings = {
      language: settings.language,
      theme: settings.theme,
      push_compression: settings.push_compression,
      push_compression_level: settings.push_compression_level,
      mirrors: settings.mirrors ?? {},
      ...(settings.proxy ? { proxy: settings.proxy } : {}),
    };
    this.i18n.apply(settings.language, this.system());
    applyTheme(settings.theme);
  }
}

/** "system" leaves it to `prefers-color-scheme`; light/dark pin it (see app.css). */
function applyTheme(theme: Theme): void {
  if (typeof document === 'undefined') return;
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}
