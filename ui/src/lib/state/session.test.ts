import { describe, expect, it } from 'vitest';
import { FakeApi } from '../ipc/fake';
import { AppModel } from './app.svelte';
import { containersSession } from './containers.svelte';
import { imagesSession } from './images.svelte';
import { registriesSession } from './registries.svelte';
import { appSession } from './session.svelte';

describe('the app session', () => {
  it('is one per API, and every screen and the window share its tasks and problems', async () => {
    const api = new FakeApi();
    const app = new AppModel(api, () => ['en']);
    const session = appSession(api);
    expect(app.session).toBe(session);
    expect(app.notices).toBe(session.notices);
    for (const model of [imagesSession(api), containersSession(api), registriesSession(api)]) {
      expect(model.tasks).toBe(session.tasks);
      expect(model.notices).toBe(session.notices);
    }
    expect(appSession(new FakeApi())).not.toBe(session);
  });

  it('shows a failed task once, whichever screen started it', async () => {
    const api = new FakeApi();
    const session = appSession(api);
    await session.tasks.watch();
    const task = await containersSession(api).create('busybox:latest', 'web');
    api.updateTask(task.id, { state: 'failed', problem: { code: 'store.io', message: 'cannot write' } });
    api.updateTask(task.id, { state: 'failed', problem: { code: 'store.io', message: 'cannot write' } });
    expect(session.notices.items.map((n) => n.problem.code)).toEqual(['store.io']);
    expect(session.tasks.items.map((t) => t.state)).toEqual(['failed']);
  });
});
