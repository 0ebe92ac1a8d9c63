import { describe, expect, it } from 'vitest';
import type { TaskInfo } from '../bindings.gen';
import { FakeApi } from '../ipc/fake';
import { fakeRow } from '../ipc/fake-images';
import { ImagesModel } from './images.svelte';

function pull(id: number, state: TaskInfo['state'], name: string): TaskInfo {
  return {
    id,
    kind: 'pull',
    subject: name,
    target: null,
    state,
    done: 0,
    total: null,
    started_ms: 0,
    outcome: state === 'done' ? [name] : [],
    problem: null,
    units: [],
    bytes_per_second: 0,
    digest: null,
    compressed: null,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ImagesModel after pulls', () => {
  it('ten pulls ending together list the store twice and check updates twice, for all ten names', async () => {
    const api = new FakeApi();
    const model = new ImagesModel(api);
    const names = Array.from({ length: 10 }, (_, i) => `docker.io/team/app${i}:1`);
    names.forEach((n, i) => model.tasks.apply({ type: 'update', task: pull(i + 1, 'running', n) }));
    names.forEach((n, i) => model.tasks.apply({ type: 'update', task: pull(i + 1, 'done', n) }));
    await settle();
    await settle();
    expect(api.calls.filter((c) => c.method === 'imagesOverview')).toHaveLength(2);
    const checks = api.calls.filter((c) => c.method === 'checkUpdates').map((c) => c.arg as string[]);
    expect(checks).toHaveLength(2);
    expect(checks.flat().sort()).toEqual([...names].sort());
  });

  it('a refresh asked while a listing runs returns rows listed after the ask', async () => {
    const api = new FakeApi();
    api.images = [fakeRow('debian:12')];
    const model = new ImagesModel(api);
    const first = model.refresh();
    api.images = [fakeRow('debian:12'), fakeRow('alpine:3.20')];
    await model.refresh();
    expect(model.rows.map((r) => r.reference).sort()).toEqual(
      [fakeRow('alpine:3.20').reference, fakeRow('debian:12').reference].sort(),
    );
    await first;
  });
});
