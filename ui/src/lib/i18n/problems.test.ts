// The problem and hint texts against the lists generated from Rust: the types make a missing
// entry a build error; these tests hold the entries to what the types cannot see (both
// languages real, the Chinese one Chinese, placeholders that are the key's arguments, app
// hints that name the app's controls rather than `strata` commands).
import { describe, expect, it } from 'vitest';
import { hintParams, problemCodes, type HintKey } from '../problemCodes.gen';
import { hintTexts } from './hints';
import { areaTexts, hintText, problemLine, problemSummary, problemTexts, showProblem, type Bilingual } from './problems';

const placeholders = (s: string) => [...s.matchAll(/\{([a-z0-9_]+)\}/g)].map((m) => m[1]).sort();
const hintKeys = Object.keys(hintParams) as HintKey[];

function real(text: Bilingual, what: string) {
  expect(text.en.trim(), what).not.toBe('');
  expect(text.zh, what).toMatch(/[\u4e00-\u9fff]/);
  expect(text.zh, what).not.toBe(text.en);
}

describe('problem texts', () => {
  it('every code the engine or the app can report has an English and a Chinese summary', () => {
    expect(problemCodes.length).toBeGreaterThan(100);
    for (const code of problemCodes) real(problemTexts[code], code);
    for (const [area, text] of Object.entries(areaTexts)) real(text, area);
  });

  it('every hint key has an English and a Chinese text using exactly its own arguments', () => {
    expect(hintKeys.length).toBeGreaterThan(50);
    for (const key of hintKeys) {
      const text: Bilingual = hintTexts[key];
      real(text, key);
      const params: readonly string[] = hintParams[key];
      expect(placeholders(text.zh), key).toEqual(placeholders(text.en));
      for (const name of placeholders(text.en)) expect(params, `${key}: {${name}}`).toContain(name);
    }
  });

  it('the app words hints as its own buttons and screens, never as strata commands or flags', () => {
    const cli = /`?strata [a-z]|--(insecure|platform|creds|force|yes|home|tag|password-stdin|network|config|all|name)\b|-u USER/;
    for (const key of hintKeys) {
      expect(hintTexts[key].en, key).not.toMatch(cli);
      expect(hintTexts[key].zh, key).not.toMatch(cli);
    }
  });

  it('summarises a known code in the chosen language', () => {
    expect(problemSummary('registry.unauthorized', 'zh-CN')).toContain('镜像仓库');
    expect(problemSummary('container.no_runtime', 'zh-CN')).toContain('runc');
    expect(problemSummary('store.not_found', 'en')).toBe('No such image in the local store');
    expect(problemSummary('platform.invalid', 'zh-CN')).toContain('平台');
  });

  it('falls back to the area, then to a generic sentence', () => {
    expect(problemSummary('registry.brand_new', 'zh-CN')).toBe('镜像仓库返回了错误');
    expect(problemSummary('container.brand_new', 'zh-CN')).toBe(areaTexts.container.zh);
    expect(problemSummary('registry.brand_new', 'en')).toBe('The registry returned an error');
    expect(problemSummary('nowhere.at_all', 'zh-CN')).toBe('出错了');
    expect(problemSummary('toString', 'zh-CN')).toBe('出错了');
  });
});

describe('hint texts', () => {
  it('fills in the hint’s arguments in either language', () => {
    const hint = { key: 'credentials.log_in', args: { registry: 'registry.cn-hangzhou.aliyuncs.com' } };
    expect(hintText(hint, 'en')).toBe('log in to registry.cn-hangzhou.aliyuncs.com with Log in… on the Registries screen');
    expect(hintText(hint, 'zh-CN')).toBe('请在“镜像仓库”页面用“登录…”登录 registry.cn-hangzhou.aliyuncs.com');
    const path = { key: 'settings.fix_or_delete', args: { path: '/x/settings.json' } };
    expect(hintText(path, 'zh-CN')).toBe('请修正该文件，或删除它以恢复默认设置：/x/settings.json');
  });

  it('leaves an argument the hint lacks as its name, and gives nothing for a key it does not know', () => {
    expect(hintText({ key: 'credentials.log_in_again', args: {} }, 'en')).toContain('{registry}');
    expect(hintText({ key: 'registry.brand_new', args: {} }, 'en')).toBeUndefined();
    expect(hintText({ key: 'toString', args: {} }, 'zh-CN')).toBeUndefined();
  });
});

describe('showing a problem', () => {
  const refused = {
    code: 'store.in_use',
    message: 'image app:1 is used by container(s) web',
    hint: { key: 'store.remove_containers_first', args: {} },
  };

  it('gives the summary, the engine’s sentence and the hint, in the UI language', () => {
    expect(showProblem(refused, 'zh-CN')).toEqual({
      summary: '该镜像正被容器使用',
      detail: 'image app:1 is used by container(s) web',
      hint: '请先在“容器”页面删除这些容器，或选择“仍然删除”',
    });
    expect(showProblem({ code: 'ipc.failed', message: 'not allowed' }, 'en')).toEqual({
      summary: 'The app could not run the command',
      detail: 'not allowed',
    });
  });

  it('on one line: the engine’s sentence and the hint in English, led by the summary in Chinese', () => {
    expect(problemLine(refused, 'en')).toBe(
      'image app:1 is used by container(s) web — delete those containers on the Containers screen first, or choose Delete anyway',
    );
    expect(problemLine(refused, 'zh-CN')).toBe(
      '该镜像正被容器使用：image app:1 is used by container(s) web — 请先在“容器”页面删除这些容器，或选择“仍然删除”',
    );
  });
});
