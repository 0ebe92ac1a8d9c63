// The API the app uses: the real shell inside Tauri, the in-memory double elsewhere.
import type { StrataApi } from './api';
import { FakeApi } from './fake';
import { insideTauri, tauriApi } from './tauri';

export type { StrataApi, TerminalNetwork } from './api';
export { ProblemError, isProblem, toProblem, type Hint, type Problem } from './problem';
export { chosen, hostPathOf, shownPath, typed } from './hostPath';

export function defaultApi(): StrataApi {
  return insideTauri() ? tauriApi : new FakeApi();
}
