// The problems the UI is showing. One list for the whole app so that every failure,
// whatever screen it came from, is shown the same way by ErrorBanner.
import { toProblem, type Problem } from '../ipc';

export interface Notice {
  id: number;
  problem: Problem;
}

export class Notices {
  items: Notice[] = $state([]);
  private next = 1;

  /** Shows whatever was thrown as a Problem. The same problem twice is shown once. */
  report(error: unknown): void {
    const problem = toProblem(error);
    const same = this.items.find(
      (n) => n.problem.code === problem.code && n.problem.message === problem.message,
    );
    if (same) return;
    this.items.push({ id: this.next++, problem });
  }

  dismiss(id: number): void {
    this.items = this.items.filter((n) => n.id !== id);
  }

  /** Runs `work`, reporting its failure; returns undefined when it failed. */
  async guard<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }
}
