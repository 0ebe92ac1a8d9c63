/// <reference types="node" />
// The table of problem texts against the engine: every code the Rust sources can report
// must have a record here, so a new engine error cannot reach a Chinese user in English.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { areaTexts, localizeHint, problemSummary, problemText, problemTexts } from './problems';

const repo = resolve(__dirname, '../../../..');

function rustFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return rustFiles(path);
    return name.endsWith('.rs') ? [path] : [];
  });
}

/** crates/*\/src/**\/*.rs and src-tauri/src/**\/*.rs */
function engineSources(): string[] {
  const crates = readdirSync(join(repo, 'crates')).map((c) => join(repo, 'crates', c, 'src'));
  return [...crates, join(repo, 'src-tauri', 'src')].flatMap(rustFiles);
}

const CODE = String.raw`"([a-z][a-z0-9_]*\.[a-z0-9_]+)"`;
// Where a code is written: an `Explain::code()` arm, `Problem::new(code, …)`, a one-code
// `fn code()`, or a comparison with a problem's code.
const PLACES = [
  String.raw`Problem::new\(\s*`,
  String.raw`=>\s*`,
  String.raw`fn code\([^)]*\)\s*->\s*&'static str\s*\{\s*`,
  String.raw`code\s*==\s*`,
].map((prefix) => new RegExp(prefix + CODE, 'g'));
// Anywhere else, a literal in a known area is taken as a code too (a helper such as
// `fail("container.x", …)` or a `const`), so a code is not missed for how it is written.
const ANY_LITERAL = new RegExp(CODE, 'g');
// A `=> "x.y"` arm can also map to a file or host name; those are not codes.
const NOT_A_CODE = /\.(json|lock|log|ya?ml|toml|conf|txt|tar|gz|html|com|example)$/;

/** Every problem code in the engine's sources, with the files that write it. */
function engineCodes(): Map<string, Set<string>> {
  const codes = new Map<string, Set<string>>();
  for (const file of engineSources()) {
    const text = readFileSync(file, 'utf8');
    const add = (code: string | undefined) => {
      if (code === undefined || NOT_A_CODE.test(code)) return;
      const files = codes.get(code) ?? new Set<string>();
      files.add(relative(repo, file));
      codes.set(code, files);
    };
    for (const place of PLACES) {
      for (const match of text.matchAll(place)) {
        add(match[1]);
      }
    }
    for (const match of text.matchAll(ANY_LITERAL)) {
      const area = match[1]?.split('.')[0] ?? '';
      if (Object.hasOwn(areaTexts, area)) add(match[1]);
    }
  }
  return codes;
}

function leaves(): string[] {
  return Object.values(problemTexts).flatMap((t) => [
    t.en,
    t.zh,
    ...('hints' in t ? t.hints.flatMap((h) => [h.en, h.zh]) : []),
  ]);
}

describe('problem texts', () => {
  it('has a record for every code the engine can report', () => {
    const codes = engineCodes();
    // The scan itself works: it finds the codes we know are there.
    expect(codes.size).toBeGreaterThan(100);
    expect(codes.has('store.not_found')).toBe(true);
    expect(codes.has('container.no_runtime')).toBe(true);
    const missing = [...codes]
      .filter(([code]) => problemText(code) === undefined)
      .map(([code, files]) => `${code} (${[...files].join(', ')})`);
    expect(missing, `problem codes with no entry in ui/src/lib/i18n/problems.ts`).toEqual([]);
  });

  it('every record has both languages, and the Chinese one is Chinese', () => {
    for (const text of leaves()) expect(text.trim()).not.toBe('');
    for (const [code, text] of Object.entries(problemTexts)) {
      expect(text.zh, code).toMatch(/[\u4e00-\u9fff]/);
      expect(text.zh, code).not.toBe(text.en);
    }
  });

  it('a hint keeps the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{([a-z0-9_]+)\}/g)].map((m) => m[1]).sort();
    for (const text of Object.values(problemTexts)) {
      for (const hint of 'hints' in text ? text.hints : []) expect(names(hint.zh), hint.en).toEqual(names(hint.en));
    }
  });

  it('summarises a known code in the chosen language', () => {
    expect(problemSummary('registry.unauthorized', 'zh-CN')).toContain('镜像仓库');
    expect(problemSummary('container.no_runtime', 'zh-CN')).toContain('runc');
    expect(problemSummary('store.not_found', 'en')).toBe('No such image in the local store');
  });

  it('falls back to the area, then to a generic sentence', () => {
    expect(problemSummary('registry.brand_new', 'zh-CN')).toBe('镜像仓库返回了错误');
    expect(problemSummary('container.brand_new', 'zh-CN')).toBe(areaTexts.container.zh);
    expect(problemSummary('registry.brand_new', 'en')).toBe('The registry returned an error');
    expect(problemSummary('nowhere.at_all', 'zh-CN')).toBe('出错了');
    expect(problemSummary('toString', 'zh-CN')).toBe('出错了');
  });

  it('translates a known hint, filling in its variable part', () => {
    expect(
      localizeHint('settings.invalid', 'fix the file or delete it to start from the defaults: /x/settings.json', 'zh-CN'),
    ).toBe('请修正该文件，或删除它以恢复默认设置：/x/settings.json');
    expect(
      localizeHint('credentials.not_logged_in', '`strata accounts` lists the saved logins; `strata login r.io -u USER --password-stdin` adds one', 'zh-CN'),
    ).toContain('`strata login r.io -u USER --password-stdin`');
  });

  it('translates a hint that came with a wrapping error’s code', () => {
    // A registry error wrapping a store error keeps the store's hint.
    expect(localizeHint('registry.status', '`strata fsck` checks the whole store', 'zh-CN')).toBe(
      '`strata fsck` 可检查整个本地存储',
    );
  });

  it('leaves an unknown hint, and every English hint, as the engine wrote it', () => {
    expect(localizeHint('store.io', 'something new', 'zh-CN')).toBe('something new');
    expect(localizeHint('store.not_found', '`strata images` lists the images in the store', 'en')).toBe(
      '`strata images` lists the images in the store',
    );
  });
});
