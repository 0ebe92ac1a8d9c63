// The API the app uses: the real shell inside Tauri, the in-memory double elsewhere.
import type { StrataApi } from './api';
import { FakeApi } from './fake';
import { insideTauri, tauriApi } from './tauri';

export type { StrataApi } from './api';
export { ProblemError, isProblem, toProblem, type Problem } from './problem';

export function defaultApi(): StrataApi {
  return insideTauri() ? tauriApi : new FakeApi();
}
