// The app-level session: what every screen shares for one API. One task list (one
// `watch_tasks` subscription), so that a task started anywhere shows on the Tasks screen,
// and one list of problems, which the window's banner shows whatever screen raised them.
// No screen owns it: the screens' models take it, and the Tasks screen and the banner read
// it directly.
import { defaultApi, type StrataApi } from '../ipc';
import { Notices } from './notices.svelte';
import { TasksModel } from './tasks.svelte';

export class Session {
  readonly api: StrataApi;
  readonly notices: Notices;
  readonly tasks: TasksModel;

  constructor(api: StrataApi, notices = new Notices()) {
    this.api = api;
    this.notices = notices;
    this.tasks = new TasksModel(api, notices);
    // A task that failed is a problem to show, whichever screen started it.
    this.tasks.onFinished((task) => {
      if (task.state === 'failed' && task.problem) this.notices.report(task.problem);
    });
  }

  /** A session for `api`, or `api` itself when it is one (models take either). */
  static of(api: StrataApi | Session): Session {
    return api instanceof Session ? api : new Session(api);
  }
}

const sessions = new WeakMap<StrataApi, Session>();
let fallback: StrataApi | undefined;

/** The session of `api` (the default API when none is given), made and subscribed once. */
export function appSession(api?: StrataApi): Session {
  const key = api ?? (fallback ??= defaultApi());
  let session = sessions.get(key);
  if (!session) {
    session = new Session(key);
    sessions.set(key, session);
    void session.tasks.watch();
  }
  return session;
}
