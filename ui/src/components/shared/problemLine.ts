// A Problem on one line, as dialogs and rows show it beside the thing that failed:
// "message — hint" (the hint only when there is one).
import type { Problem } from '../../lib/ipc';

export function problemLine(problem: Pick<Problem, 'message' | 'hint'>): string {
  return problem.hint ? `${problem.message} — ${problem.hint}` : problem.message;
}
