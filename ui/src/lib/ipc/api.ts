// Everything the UI asks of the shell, as one typed interface. The app talks to
// `tauriApi` (one wrapper per Tauri command, ./tauri.ts); tests and a plain browser talk to
// `FakeApi` (./fake.ts). Every method rejects with a `ProblemError`.
import type { AppInfo, Settings, SettingsPatch } from '../bindings.gen';

export interface StrataApi {
  /** `app_info`: version, store folder and how it was chosen. */
  appInfo(): Promise<AppInfo>;
  /** `get_settings`: the saved settings, defaults on first start. */
  getSettings(): Promise<Settings>;
  /** `set_settings`: changes some settings, returns all of them as saved. */
  setSettings(patch: SettingsPatch): Promise<Settings>;
  /** `ui_ready`: the first screen is on and usable (feeds the start-up benchmark). */
  uiReady(): Promise<void>;
}
