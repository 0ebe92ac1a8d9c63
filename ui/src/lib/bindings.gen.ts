// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p strata-app bindings`.
// Do not edit: change the Rust type and regenerate.

export type Problem = { 
/**
 * Stable, machine-readable: `settings.invalid`, `store.not_found`, …
 */
code: string, 
/**
 * One sentence a person understands.
 */
message: string, 
/**
 * What the person can do about it, when known.
 */
hint?: string, };

export type AppInfo = { version: string, 
/**
 * The store folder.
 */
home: string, 
/**
 * How the store folder was chosen.
 */
home_source: "flag" | "env" | "platform", 
/**
 * The settings file.
 */
settings_path: string, };

export type Language = "system" | "en" | "zh-CN";

export type Theme = "system" | "light" | "dark";

export type Settings = { language: Language, theme: Theme, };

export type SettingsPatch = { language?: Language, theme?: Theme, };
