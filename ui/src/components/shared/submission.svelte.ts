// What a dialog's Submit does around its own work: one run at a time (`busy` also
// disables the button), the last failure kept as a Problem to show beside the form.
import { toProblem, type Problem } from '../../lib/ipc';

export class Submission {
  busy = $state(false);
  problem: Problem | undefined = $state();

  /** Runs `work` unless a run is going; a failure becomes `problem` (cleared first). */
  async run(work: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.problem = undefined;
    try {
      await work();
    } catch (e) {
      this.problem = toProblem(e);
    } finally {
      this.busy = false;
    }
  }
}
