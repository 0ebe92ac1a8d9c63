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

/** What every screen's model holds of its session: the API, the task list and the problems. */
export class ScreenModel {
  readonly api: StrataApi;
  readonly tasks: TasksModel;
  readonly notices: Notices;

  /** Takes the app's session, or an API (tests) for a session of its own. */
  constructor(session: Session | StrataApi) {
    const { api, tasks, notices } = Session.of(session);
    this.api = api;
    this.tasks = tasks;
    this.notices = notices;
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

/**
 * A screen's model kept while the app runs, one per app session: the function returned
 * gives the model of `api`'s session (the default API's when none is given), made with
 * `make` the first time it is asked for.
 */
export function perSession<M>(make: (session: Session) => M): (api?: StrataApi) => M {
  const models = new WeakMap<Session, M>();
  return (api) => {
    const session = appSession(api);
    let model = models.get(session);
    if (!model) {
      model = make(session);
      models.set(session, model);
    }
    return model;
  };
}
