// Lines picked for a review comment: a range on one side of one file.
import type { DiffSide, ReviewComment } from '../../../lib/backend';
import type { DiffLine, Hunk } from '../../../lib/diff';

export interface Selection {
  path: string;
  side: DiffSide;
  /** The line clicked first (the anchor of a shift-click). */
  anchor: number;
  start: number;
  end: number;
}

/** A click on line `line` of `side`: a new selection, or (shift) the anchor's range extended. */
export function pick(cur: Selection | null, path: string, side: DiffSide, line: number, extend: boolean): Selection {
  if (extend && cur && cur.path === path && cur.side === side) {
    return { ...cur, start: Math.min(cur.anchor, line), end: Math.max(cur.anchor, line) };
  }
  return { path, side, anchor: line, start: line, end: line };
}

/** The number of `l` on `side`, if it has one there. */
export function numberOn(l: DiffLine, side: DiffSide): number | undefined {
  return side === 'new' ? (l.kind === 'del' ? undefined : l.new) : l.kind === 'add' ? undefined : l.old;
}

/** The side a unified-view line is commented on: removed lines on the old file. */
export function sideOf(l: DiffLine): DiffSide {
  return l.kind === 'del' ? 'old' : 'new';
}

export function selected(sel: Selection | null, path: string, side: DiffSide, n: number | undefined): boolean {
  return !!sel && n !== undefined && sel.path === path && sel.side === side && n >= sel.start && n <= sel.end;
}

/** The selected lines' text (the comment's quote). */
export function quoteOf(hunks: Hunk[], sel: Selection): string {
  const out: string[] = [];
  for (const h of hunks) {
    for (const l of h.lines) {
      const n = numberOn(l, sel.side);
      if (n !== undefined && n >= sel.start && n <= sel.end) out.push(l.text);
    }
  }
  return out.join('\n');
}

/** Comments of one file by where they end (`side:line`), to show under that line. */
export function commentsByLine(comments: ReviewComment[]): Map<string, ReviewComment[]> {
  const m = new Map<string, ReviewComment[]>();
  for (const c of comments) {
    const k = `${c.side}:${c.line_end}`;
    m.set(k, [...(m.get(k) ?? []), c]);
  }
  return m;
}
