// placeholder until `UPDATE_BINDINGS=1 cargo test -p strata-app bindings` runs
export type Problem = { code: string; message: string; hint?: string };
export type AppInfo = { version: string; home: string; home_source: 'flag' | 'env' | 'platform'; settings_path: string };
export type Language = 'system' | 'en' | 'zh-CN';
export type Theme = 'system' | 'light' | 'dark';
export type Settings = { language: Language; theme: Theme };
export type SettingsPatch = { language?: Language; theme?: Theme };
