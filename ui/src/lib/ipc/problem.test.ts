import { describe, expect, it } from 'vitest';
import { ProblemError, toProblem } from './problem';

describe('toProblem', () => {
  it('keeps a Problem from the shell as it is', () => {
    const p = { code: 'settings.write', message: 'cannot save', hint: { key: 'settings.check_folder', args: {} } };
    expect(toProblem(p)).toEqual(p);
    expect(toProblem(new ProblemError(p))).toEqual(p);
  });

  it('does not take a hint that is not a key with arguments for a Problem', () => {
    const odd = { code: 'settings.write', message: 'cannot save', hint: 'check permissions' };
    expect(toProblem(odd).code).toBe('ipc.failed');
  });

  it("turns Tauri's own string errors and bugs into problems too", () => {
    expect(toProblem('Command get_settings not allowed by ACL')).toEqual({
      code: 'ipc.failed',
      message: 'Command get_settings not allowed by ACL',
    });
    expect(toProblem(new TypeError('x is undefined'))).toEqual({
      code: 'ui.unexpected',
      message: 'x is undefined',
    });
  });
});
