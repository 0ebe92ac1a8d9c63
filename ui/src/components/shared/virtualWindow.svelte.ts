// The window of rows a virtualised table draws. Rows have a fixed height, so the rows in
// view follow from the scroll offset and the viewport height alone; only those (plus a
// margin above and below) are put in the DOM, so 10,000 rows scroll as smoothly as ten.

/** Rows drawn above and below the visible ones, so a short scroll shows no blank rows. */
export const MARGIN = 8;
/** jsdom (tests) has no layout: a window-sized viewport is assumed there. */
const FALLBACK_HEIGHT = 640;

/** The first (inclusive) and last (exclusive) row indexes to draw. */
export function rowRange(
  scrollTop: number,
  viewport: number,
  count: number,
  rowHeight: number,
  margin = MARGIN,
): { first: number; last: number } {
  const height = viewport > 0 ? viewport : FALLBACK_HEIGHT;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - margin);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + margin);
  return { first, last };
}

/**
 * Scroll state of one table. Give the viewport element to `box` (bind:this) and call
 * `onscroll` from its scroll event; `first`/`last` then track the rows in view.
 */
export class VirtualWindow {
  scrollTop = $state(0);
  viewport = $state(0);
  box: HTMLElement | undefined = $state();
  readonly #count: () => number;
  readonly #rowHeight: number;

  constructor(count: () => number, rowHeight: number) {
    this.#count = count;
    this.#rowHeight = rowHeight;
    // Measured on mount and on window resizes (the viewport only changes with the window).
    $effect(() => {
      const el = this.box;
      if (!el) return;
      const measure = () => (this.viewport = el.clientHeight);
      measure();
      window.addEventListener('resize', measure);
      return () => window.removeEventListener('resize', measure);
    });
  }

  readonly range = $derived.by(() => rowRange(this.scrollTop, this.viewport, this.#count(), this.#rowHeight));

  get first(): number {
    return this.range.first;
  }

  get last(): number {
    return this.range.last;
  }

  /** The vertical offset of row `index` (for its `translateY`). */
  top(index: number): number {
    return index * this.#rowHeight;
  }

  /** The height of all rows (for the spacer that gives the scrollbar its length). */
  get total(): number {
    return this.#count() * this.#rowHeight;
  }

  onscroll = (e: Event & { currentTarget: EventTarget & HTMLElement }): void => {
    this.scrollTop = e.currentTarget.scrollTop;
  };
}
