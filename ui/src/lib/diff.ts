// A file's unified diff (`FileChange.diff`) as lines the Changes panel draws: hunks with
// old and new line numbers, removed/added lines paired for word-level marks, and rows for
// the side-by-side view. Pure functions: no DOM, no highlighter (see `highlight.ts`).

export type LineKind = 'context' | 'add' | 'del';

/** A character range of a line that changed (word-level), `[from, to)`. */
export type Range = [number, number];

export interface DiffLine {
  kind: LineKind;
  text: string;
  /** Line number in the old file (context and removed lines). */
  old?: number;
  /** Line number in the new file (context and added lines). */
  new?: number;
  /** Word-level changes against the paired line (removed ↔ added), when paired. */
  marks?: Range[];
  /** `\ No newline at end of file` follows this line. */
  noEol?: boolean;
}

export interface Hunk {
  header: string;
  lines: DiffLine[];
}

/** One row of the side-by-side view: the old line on the left, the new on the right. */
export interface SplitRow {
  left?: DiffLine;
  right?: DiffLine;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/;

/** Parses the hunks of one file's diff (headers before the first `@@` are skipped). */
export function parseDiff(diff: string): Hunk[] {
  const hunks: Hunk[] = [];
  let cur: Hunk | null = null;
  let oldNo = 0;
  let newNo = 0;
  const lines = diff.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  for (const raw of lines) {
    const h = HUNK.exec(raw);
    if (h) {
      cur = { header: raw, lines: [] };
      hunks.push(cur);
      oldNo = Number(h[1]);
      newNo = Number(h[2]);
      continue;
    }
    if (!cur) continue;
    const sign = raw[0] ?? '';
    const text = raw.slice(1);
    if (sign === '+') cur.lines.push({ kind: 'add', text, new: newNo++ });
    else if (sign === '-') cur.lines.push({ kind: 'del', text, old: oldNo++ });
    else if (sign === ' ' || raw === '') cur.lines.push({ kind: 'context', text, old: oldNo++, new: newNo++ });
    else if (sign === '\\') {
      const last = cur.lines[cur.lines.length - 1];
      if (last) last.noEol = true;
    }
  }
  for (const hunk of hunks) pairWords(hunk.lines);
  return hunks;
}

/** Runs of removed lines followed by added ones, paired line by line for word marks. */
function pairWords(lines: DiffLine[]): void {
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.kind !== 'del') {
      i++;
      continue;
    }
    const delStart = i;
    while (i < lines.length && lines[i]!.kind === 'del') i++;
    const addStart = i;
    while (i < lines.length && lines[i]!.kind === 'add') i++;
    const n = Math.min(addStart - delStart, i - addStart);
    for (let k = 0; k < n; k++) {
      const [a, b] = wordMarks(lines[delStart + k]!.text, lines[addStart + k]!.text);
      // Lines that share almost nothing are a rewrite: marking every word helps nobody.
      if (a && b) {
        lines[delStart + k]!.marks = a;
        lines[addStart + k]!.marks = b;
      }
    }
  }
}

/** Words, runs of spaces and single punctuation characters. */
function tokens(s: string): string[] {
  return s.match(/[\p{L}\p{N}_]+|\s+|[^\p{L}\p{N}_\s]/gu) ?? [];
}

/** Longest lines compared token by token (the LCS table is quadratic). */
const MAX_TOKENS = 400;

/**
 * The changed character ranges of `a` and `b` (a longest-common-subsequence of their
 * tokens), or nulls when the lines are too long or share less than a third.
 */
export function wordMarks(a: string, b: string): [Range[] | null, Range[] | null] {
  const ta = tokens(a);
  const tb = tokens(b);
  if (ta.length > MAX_TOKENS || tb.length > MAX_TOKENS) return [null, null];
  const n = ta.length;
  const m = tb.length;
  const dp = new Uint16Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i * (m + 1) + j] =
        ta[i] === tb[j] ? dp[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(dp[(i + 1) * (m + 1) + j]!, dp[i * (m + 1) + j + 1]!);
    }
  }
  const keepA = new Array<boolean>(n).fill(false);
  const keepB = new Array<boolean>(m).fill(false);
  let common = 0;
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (ta[i] === tb[j]) {
      keepA[i++] = true;
      keepB[j++] = true;
      common++;
    } else if (dp[(i + 1) * (m + 1) + j]! >= dp[i * (m + 1) + j + 1]!) i++;
    else j++;
  }
  const shared = ta.filter((_, i) => keepA[i]).join('').trim().length;
  if (shared * 3 < Math.max(a.trim().length, b.trim().length) || common === Math.max(n, m)) return [null, null];
  return [ranges(ta, keepA), ranges(tb, keepB)];
}

/** The changed tokens' ranges, joined when adjacent, without spaces at their ends. */
function ranges(toks: string[], keep: boolean[]): Range[] {
  const out: Range[] = [];
  let at = 0;
  toks.forEach((t, i) => {
    if (!keep[i]) {
      const last = out[out.length - 1];
      if (last && last[1] === at) last[1] = at + t.length;
      else out.push([at, at + t.length]);
    }
    at += t.length;
  });
  const text = toks.join('');
  const space = (i: number) => /\s/.test(text.charAt(i));
  return out
    .map(([a, b]): Range => {
      while (a < b && space(a)) a++;
      while (b > a && space(b - 1)) b--;
      return [a, b];
    })
    .filter(([a, b]) => b > a);
}

/** A hunk as side-by-side rows: context on both sides, removed beside added. */
export function splitRows(hunk: Hunk): SplitRow[] {
  const rows: SplitRow[] = [];
  const lines = hunk.lines;
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.kind === 'context') {
      rows.push({ left: l, right: l });
      i++;
      continue;
    }
    const dels: DiffLine[] = [];
    const adds: DiffLine[] = [];
    while (i < lines.length && lines[i]!.kind === 'del') dels.push(lines[i++]!);
    while (i < lines.length && lines[i]!.kind === 'add') adds.push(lines[i++]!);
    for (let k = 0; k < Math.max(dels.length, adds.length); k++) rows.push({ left: dels[k], right: adds[k] });
  }
  return rows;
}
