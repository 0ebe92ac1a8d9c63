// Errors from the shell arrive as a serialised `Problem` {code, message, hint}, the hint as
// {key, args}. Everything the UI catches is turned into one, so that every place that shows
// an error has a single shape to render (lib/i18n/problems.ts).
import type { Hint, Problem } from '../bindings.gen';

export type { Hint, Problem };

function isHint(value: unknown): value is Hint {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.key === 'string' && typeof v.args === 'object' && v.args !== null;
}

export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    typeof v.message === 'string' &&
    (v.hint === undefined || v.hint === null || isHint(v.hint))
  );
}

/** An `Error` that carries a Problem, so that `await` call sites can `throw` and `catch` it. */
export class ProblemError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.message);
    this.name = 'ProblemError';
    this.problem = problem;
  }
}

/** Whatever was thrown, as a Problem: Tauri's own errors (a string) and bugs included. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  if (isProblem(error)) {
    return error.hint ? { code: error.code, message: error.message, hint: error.hint } : { code: error.code, message: error.message };
  }
  if (error instanceof Error) return { code: 'ui.unexpected', message: error.message };
  return { code: 'ipc.failed', message: String(error) };
}
