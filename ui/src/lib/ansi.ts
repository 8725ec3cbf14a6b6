// ANSI colour codes (SGR, `ESC [ … m`) of recorded output into styled runs of text, for
// logs such as `ansible-playbook`'s. Only text and class names come out: the caller
// renders them as text nodes, so nothing in the output is ever parsed as HTML. Colours
// are class names (`fg-1`, `bg-4`, `fg-9`…) that the theme styles for light and dark;
// 256-colour codes map onto the 16 colours where they are among them, true colour is
// dropped. Other escape sequences (cursor moves, titles) are removed.

/** A run of text with one style; `cls` is a space-separated class list ('' for plain). */
export interface Segment {
  text: string;
  cls: string;
}

interface Style {
  fg: number | null;
  bg: number | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

const plain = (): Style => ({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false });

// One escape sequence: CSI (parameters, intermediates, final byte), OSC (to BEL or ST),
// or a two-byte escape. A lone ESC at the end of a chunk is kept for the next one.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b(?:\[([0-?]*)[ -/]*([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const PARTIAL = /\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*)?$/;

function classes(s: Style): string {
  const fg = s.inverse ? s.bg ?? 'bg' : s.fg;
  const bg = s.inverse ? s.fg ?? 'fg' : s.bg;
  const out: string[] = [];
  if (fg !== null) out.push(typeof fg === 'number' ? `fg-${fg}` : 'fg-inv');
  if (bg !== null) out.push(typeof bg === 'number' ? `bg-${bg}` : 'bg-inv');
  if (s.bold) out.push('b');
  if (s.dim) out.push('dim');
  if (s.italic) out.push('i');
  if (s.underline) out.push('u');
  return out.join(' ');
}

/** Applies one SGR parameter list (`1;31`, `38;5;9`, '' = reset) to `s`. */
function apply(s: Style, params: string): void {
  const ps = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i] ?? 0;
    if (p === 0) Object.assign(s, plain());
    else if (p === 1) s.bold = true;
    else if (p === 2) s.dim = true;
    else if (p === 3) s.italic = true;
    else if (p === 4) s.underline = true;
    else if (p === 7) s.inverse = true;
    else if (p === 22) s.bold = s.dim = false;
    else if (p === 23) s.italic = false;
    else if (p === 24) s.underline = false;
    else if (p === 27) s.inverse = false;
    else if (p >= 30 && p <= 37) s.fg = p - 30;
    else if (p === 39) s.fg = null;
    else if (p >= 40 && p <= 47) s.bg = p - 40;
    else if (p === 49) s.bg = null;
    else if (p >= 90 && p <= 97) s.fg = p - 90 + 8;
    else if (p >= 100 && p <= 107) s.bg = p - 100 + 8;
    else if (p === 38 || p === 48) {
      // 38;5;N (256 colours) or 38;2;R;G;B (true colour).
      const mode = ps[i + 1];
      if (mode === 5) {
        const n = ps[i + 2] ?? 0;
        const c = n < 16 ? n : null;
        if (p === 38) s.fg = c;
        else s.bg = c;
        i += 2;
      } else if (mode === 2) {
        if (p === 38) s.fg = null;
        else s.bg = null;
        i += 4;
      }
    }
  }
}

/**
 * A converter that keeps its style (and a cut-off escape sequence) from one chunk to
 * the next, so a stream can be fed as it arrives.
 */
export class AnsiConverter {
  private style: Style = plain();
  private rest = '';

  /** The segments of `chunk`'s text (empty ones left out). */
  feed(chunk: string): Segment[] {
    let text = this.rest + chunk;
    this.rest = '';
    const partial = PARTIAL.exec(text);
    if (partial) {
      this.rest = partial[0];
      text = text.slice(0, partial.index);
    }
    const out: Segment[] = [];
    const push = (t: string) => {
      // Carriage returns (progress redraws) and other control characters but tab and
      // newline are dropped.
      // eslint-disable-next-line no-control-regex
      const clean = t.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
      if (!clean) return;
      const cls = classes(this.style);
      const last = out[out.length - 1];
      if (last && last.cls === cls) last.text += clean;
      else out.push({ text: clean, cls });
    };
    let at = 0;
    ESCAPE.lastIndex = 0;
    for (let m = ESCAPE.exec(text); m; m = ESCAPE.exec(text)) {
      push(text.slice(at, m.index));
      if (m[2] === 'm') apply(this.style, m[1] ?? '');
      at = m.index + m[0].length;
    }
    push(text.slice(at));
    return out;
  }
}

/** All of `text` at once. */
export function ansiSegments(text: string): Segment[] {
  return new AnsiConverter().feed(text);
}
