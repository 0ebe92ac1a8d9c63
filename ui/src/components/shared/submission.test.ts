import { describe, expect, it } from 'vitest';
import { Submission } from './submission.svelte';

describe('Submission', () => {
  it('keeps a failure as a Problem and clears it on the next run', async () => {
    const form = new Submission();
    await form.run(async () => {
      throw { code: 'registry.denied', message: 'Denied.', hint: { key: 'registry.log_in', args: {} } };
    });
    expect(form.problem).toEqual({ code: 'registry.denied', message: 'Denied.', hint: { key: 'registry.log_in', args: {} } });
    expect(form.busy).toBe(false);
    await form.run(async () => {});
    expect(form.problem).toBeUndefined();
  });

  it('runs one submit at a time', async () => {
    const form = new Submission();
    let runs = 0;
    let release!: () => void;
    const first = form.run(() => new Promise<void>((r) => ((runs += 1), (release = r))));
    expect(form.busy).toBe(true);
    await form.run(async () => void (runs += 1));
    expect(runs).toBe(1);
    release();
    await first;
    expect(form.busy).toBe(false);
  });
});
