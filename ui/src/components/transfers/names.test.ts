import { describe, expect, it } from 'vitest';
import { buildRemote, partsOf } from './names';

describe('buildRemote', () => {
  it.each([
    [{ host: '127.0.0.1:5000', namespace: 'e2e', repository: 'demo', tag: '1' }, '127.0.0.1:5000/e2e/demo:1'],
    [{ host: 'registry.cn-hangzhou.aliyuncs.com', namespace: 'team', repository: 'app', tag: '' }, 'registry.cn-hangzhou.aliyuncs.com/team/app'],
    [{ host: ' https://ghcr.io/ ', namespace: '/owner/', repository: ' app ', tag: ' v1 ' }, 'ghcr.io/owner/app:v1'],
    [{ host: 'localhost:5000', namespace: '', repository: 'app', tag: 'x' }, 'localhost:5000/app:x'],
    [{ host: '', namespace: 'org/sub', repository: 'app', tag: '2' }, 'org/sub/app:2'],
    [{ host: 'h.io', namespace: 'team', repository: '', tag: '1' }, ''],
  ])('%j → %s', (parts, want) => {
    expect(buildRemote(parts)).toBe(want);
  });
});

describe('partsOf', () => {
  it.each([
    ['docker.io/e2e/demo:1', { namespace: 'e2e', repository: 'demo', tag: '1' }],
    ['docker.io/library/busybox:latest', { namespace: 'library', repository: 'busybox', tag: 'latest' }],
    ['127.0.0.1:5000/a/b/c:v2', { namespace: 'a/b', repository: 'c', tag: 'v2' }],
    ['localhost/app', { namespace: '', repository: 'app', tag: 'latest' }],
    ['team/app@sha256:abcd', { namespace: 'team', repository: 'app', tag: 'latest' }],
    ['', { namespace: '', repository: '', tag: 'latest' }],
  ])('%s', (name, want) => {
    expect(partsOf(name)).toEqual(want);
  });
});
