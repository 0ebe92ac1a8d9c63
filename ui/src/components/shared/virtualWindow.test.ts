import { describe, expect, it } from 'vitest';
import { MARGIN, rowRange } from './virtualWindow.svelte';

describe('rowRange', () => {
  it('draws the rows in view plus a margin, clamped to the list', () => {
    // 400px viewport, 40px rows, scrolled to row 100: rows 100..110 are visible.
    expect(rowRange(4000, 400, 10_000, 40)).toEqual({ first: 100 - MARGIN, last: 110 + MARGIN });
    expect(rowRange(0, 400, 10_000, 40)).toEqual({ first: 0, last: 10 + MARGIN });
    expect(rowRange(0, 400, 3, 40)).toEqual({ first: 0, last: 3 });
  });

  it('assumes a window-sized viewport before layout (jsdom)', () => {
    expect(rowRange(0, 0, 10_000, 40).last).toBe(16 + MARGIN);
  });
});
