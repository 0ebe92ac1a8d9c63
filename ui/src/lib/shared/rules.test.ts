import { describe, expect, it } from 'vitest';
import { CHANGE_INSTRUCTIONS, MANAGED_NAME_CASES, PLATFORM_CASES, REFERENCE_CASES } from './rules.gen';
import { changeLooksRight, managedNameOk, parseReference, platformOk, registryOk } from './rules';

// The case tables were answered by the engine's own parsers (src-tauri/src/rules.rs): the
// UI's reading of the generated patterns must give the same answers.
describe('parseReference answers as the engine does', () => {
  it.each(REFERENCE_CASES)('%j', (input, full, familiar) => {
    const got = parseReference(input);
    if (full === null) {
      expect(got.ok).toBe(false);
    } else {
      expect(got).toEqual({ ok: true, full, familiar });
    }
  });
});

describe('platformOk answers as the engine does', () => {
  it.each(PLATFORM_CASES)('%j', (input, normalised) => {
    expect(platformOk(input)).toBe(normalised !== null);
  });
});

describe('managedNameOk answers as the engine does', () => {
  it.each(MANAGED_NAME_CASES)('%j', (input, accepted) => {
    expect(managedNameOk(input)).toBe(accepted);
  });
});

describe('changeLooksRight', () => {
  it('takes every instruction the engine applies, with a value, in any case', () => {
    for (const word of CHANGE_INSTRUCTIONS) {
      expect(changeLooksRight(`${word.toLowerCase()} x`)).toBe(true);
      expect(changeLooksRight(word)).toBe(false);
    }
    expect(changeLooksRight('RUN make')).toBe(false);
  });
});

describe('registryOk', () => {
  it.each([
    ['127.0.0.1:5000', true],
    ['registry.cn-hangzhou.aliyuncs.com', true],
    ['[::1]:5000', true],
    ['host:port', false],
    ['-host.io', false],
    ['a b', false],
  ])('%s → %s', (host, want) => {
    expect(registryOk(host)).toBe(want);
  });
});
