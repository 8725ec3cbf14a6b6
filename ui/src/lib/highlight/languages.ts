// The lazily loaded chunk of `index.ts`: highlight.js core, the languages agents most
// often touch, and a reader of its output (spans with `hljs-*` classes and escaped text)
// into per-line tokens.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import makefile from 'highlight.js/lib/languages/makefile';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import type { Highlighter, Token } from './index';
import './theme.css';

const LANGS = { bash, css, dockerfile, go, ini, javascript, json, makefile, markdown, python, rust, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(LANGS)) hljs.registerLanguage(name, lang);

const BY_EXT: Record<string, keyof typeof LANGS> = {
  sh: 'bash', bash: 'bash', zsh: 'bash',
  css: 'css', scss: 'css',
  go: 'go',
  toml: 'ini', ini: 'ini', cfg: 'ini', conf: 'ini',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  json: 'json',
  md: 'markdown', markdown: 'markdown',
  py: 'python',
  rs: 'rust',
  sql: 'sql',
  ts: 'typescript', tsx: 'typescript', mts: 'typescript',
  html: 'xml', xml: 'xml', svg: 'xml', svelte: 'xml', vue: 'xml',
  yml: 'yaml', yaml: 'yaml',
};

function languageOf(path: string): string | null {
  const name = path.split('/').pop() ?? path;
  if (/^Dockerfile/.test(name)) return 'dockerfile';
  if (/^(GNU)?[Mm]akefile$/.test(name)) return 'makefile';
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  return BY_EXT[ext] ?? null;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#39;': "'" };
const unescape = (s: string) => s.replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (e) => ENTITIES[e] ?? e);

/** highlight.js's HTML (only `<span class="…">`, `</span>` and escaped text) as lines of tokens. */
function toLines(html: string): Token[][] {
  const lines: Token[][] = [[]];
  const stack: string[] = [];
  for (const m of html.matchAll(/<span class="([^"]*)">|<\/span>|[^<]+/g)) {
    if (m[1] !== undefined) stack.push(m[1]);
    else if (m[0] === '</span>') stack.pop();
    else {
      const cls = stack.length ? stack.join(' ') : undefined;
      unescape(m[0])
        .split('\n')
        .forEach((text, i) => {
          if (i > 0) lines.push([]);
          if (text) lines[lines.length - 1]!.push({ text, cls });
        });
    }
  }
  return lines;
}

export const highlighter: Highlighter = {
  lines(text, path) {
    const language = languageOf(path);
    if (!language) return null;
    try {
      return toLines(hljs.highlight(text, { language, ignoreIllegals: true }).value);
    } catch {
      return null;
    }
  },
};
