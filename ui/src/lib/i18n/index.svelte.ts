// The UI language: a rune class holding the active catalogue. Components read
// `i18n.m.section.key`; switching `locale` re-renders every string at once.
import type { Language } from '../bindings.gen';
import { en, type Messages } from './en';
import { zhCN } from './zh-CN';

/** A language the UI has a catalogue for. */
export type Locale = 'en' | 'zh-CN';

export const catalogues: Record<Locale, Messages> = { en, 'zh-CN': zhCN };


/** The names of the languages, each written in itself (the switch shows all of them). */
export const localeNames: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

/** Picks our catalogue for a BCP 47 tag from the system: any Chinese → zh-CN, else English. */
export function localeFromSystem(tags: readonly string[]): Locale {
  for (const tag of tags) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

/** The system's preferred languages, as the webview reports them. */
export function systemLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

export class I18n {
  locale: Locale = $state('en');
  readonly m: Messages = $derived(catalogues[this.locale]);

  constructor(locale: Locale = 'en') {
    this.locale = locale;
  }

  /** Applies a saved preference; "system" follows the system locale. */
  apply(language: Language, system: readonly string[] = systemLanguages()): void {
    this.locale = language === 'system' ? localeFromSystem(system) : language;
    if (typeof document !== 'undefined') document.documentElement.lang = this.locale;
  }
}
