// Checks a reference as it is typed, with the engine's own grammar (`check_reference`):
// after a short pause, only the latest answer counts, the same text is never asked twice
// in a row. The Pull and Push dialogs (and anything else that takes a name) share it.
import type { CheckedReference } from '../bindings.gen';
import { toProblem, type Problem, type StrataApi } from '../ipc';

export class ReferenceCheck {
  checked: CheckedReference | undefined = $state();
  problem: Problem | undefined = $state();
  checking = $state(false);
  private asked = 0;
  private pending: string | undefined;
  private readonly api: StrataApi;
  private readonly pause: number;

  constructor(api: StrataApi, pause = 150) {
    this.api = api;
    this.pause = pause;
  }

  /** The text changed: forget the old answer and ask about the new text. */
  set(text: string): void {
    if (text === this.pending) return;
    this.pending = text;
    const ticket = ++this.asked;
    this.checked = undefined;
    this.problem = undefined;
    this.checking = text !== '';
    if (!text) return;
    setTimeout(async () => {
      if (ticket !== this.asked) return;
      try {
        const answer = await this.api.checkReference(text);
        if (ticket === this.asked) this.checked = answer;
      } catch (e) {
        if (ticket === this.asked) this.problem = toProblem(e);
      } finally {
        if (ticket === this.asked) this.checking = false;
      }
    }, this.pause);
  }

  /** Shows a problem found elsewhere (the command refused the name) beside the field. */
  refuse(problem: Problem): void {
    this.checked = undefined;
    this.problem = problem;
  }
}
