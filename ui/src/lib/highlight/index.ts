// Syntax highlighting for the Changes panel. The highlighter (highlight.js core with the
// languages in `languages.ts`) is a separate chunk, fetched the first time a diff is
// drawn — like xterm.js for terminals — so the app's main chunk never carries it.
// Its output is turned into text segments with class names: the UI never inserts
// HTML it did not get from the server's sanitizer.
import type { Range } from '../diff';

/** A run of text and its highlight class (`hljs-keyword …`), if any. */
export interface Token {
  text: string;
  cls?: string;
}

/** A token further split where the line changed word-wise (`mark`). */
export interface Segment extends Token {
  mark?: boolean;
}

export interface Highlighter {
  /** `text` (many lines) highlighted as the language of `path`, one token list per line;
   *  null when no language is known for it. */
  lines(text: string, path: string): Token[][] | null;
}

let loading: Promise<Highlighter> | null = null;

/** The highlighter, fetched once. */
export function loadHighlighter(): Promise<Highlighter> {
  loading ??= import('./languages').then((m) => m.highlighter);
  return loading;
}

/** A line's tokens cut at the word-level ranges, each piece marked or not. */
export function segments(tokens: Token[] | undefined, text: string, marks: Range[] | undefined): Segment[] {
  const toks = tokens ?? [{ text }];
  if (!marks?.length) return toks;
  const out: Segment[] = [];
  let at = 0;
  let r = 0;
  for (const t of toks) {
    let from = 0;
    while (from < t.text.length) {
      while (r < marks.length && marks[r]![1] <= at + from) r++;
      const range = marks[r];
      const inside = !!range && range[0] <= at + from;
      const end = !range ? t.text.length : inside ? Math.min(t.text.length, range[1] - at) : Math.min(t.text.length, range[0] - at);
      out.push({ text: t.text.slice(from, end), cls: t.cls, mark: inside || undefined });
      from = end;
    }
    at += t.text.length;
  }
  return out;
}
