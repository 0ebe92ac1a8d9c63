// How every screen writes sizes, times and digests: sizes in decimal units as `docker
// images` prints them, times relative ("3 days ago") in the UI's language (the locale is
// passed in: the app knows it, nothing guesses it), and catalogue strings with their
// `{name}` placeholders filled.
import type { Locale } from '../i18n/index.svelte';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** 0 B, 999 B, 1.5 kB, 4.86 MB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?';
  let v = n;
  let unit = 0;
  while (v >= 1000 && unit < UNITS.length - 1) {
    v /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${n} B`;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${Number(v.toFixed(digits))} ${UNITS[unit]}`;
}

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "3 days ago" / "3天前"; `undefined` when the time is missing or unreadable. */
export function relativeTime(iso: string | null | undefined, locale: Locale, now = Date.now()): string | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  const seconds = Math.round((t - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return undefined;
}

/** The absolute time, for a tooltip. */
export function absoluteTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString(locale);
}

/** `sha256:0123456789ab…` → `0123456789ab`. */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return '';
  const hex = digest.includes(':') ? digest.slice(digest.indexOf(':') + 1) : digest;
  return hex.slice(0, 12);
}

/** Fills `{name}` placeholders of a catalogue string. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}

/** The file name an export suggests: `nginx-latest.tar`. */
export function exportFileName(reference: string): string {
  const familiar = reference.replace(/^docker\.io\/(library\/)?/, '');
  const base = familiar.replace(/@sha256:.*/, '').replace(/[/:@]+/g, '-') || 'image';
  return `${base}.tar`;
}
