// Measures the web UI in Debian's chromium (playwright-core from ui/node_modules), for
// scripts/bench/ui.sh, which starts the server and passes AIOPS_URL, AIOPS_EMAIL,
// AIOPS_PASSWORD, AIOPS_SESSION (a live shell session), AIOPS_CHANGES_SESSION (a session
// whose worktree has AIOPS_CHANGES_FILES changed files) and AIOPS_TRIALS. Prints one JSON
// object: inbox first paint (ms from navigation start to the first issue row drawn, 5
// loads); keystroke-to-glyph latency over AIOPS_TRIALS keys, in ms from the keydown
// event to: the key's bytes handed to the terminal socket, the echo's first frame back,
// the echoed character in the terminal's buffer, and the animation frame that draws it;
// the Changes panel's time to render (5 loads); and the inbox's event-to-row latency
// over AIOPS_TRIALS title changes.
'use strict';

const path = require('node:path');
const root = path.resolve(__dirname, '../..');
const { chromium } = require(path.join(root, 'ui/node_modules/playwright-core'));

const base = process.env.AIOPS_URL;
const trials = Number(process.env.AIOPS_TRIALS || 60);

const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
  });
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
  // Stamps of the terminal socket, which runs in a worker (ui/src/lib/backend/
  // terminalWorker.ts): the last key's bytes handed to it (acks and resizes are text) and
  // the first output frame it hands back after them, and a wake-up for the watcher below
  // when output arrives.
  await context.addInitScript(() => {
    const Native = window.Worker;
    const ws = (window.__ws = { sent: 0, recv: 0, wake: () => {} });
    const post = Native.prototype.postMessage;
    Native.prototype.postMessage = function (m, ...rest) {
      if (m?.type === 'send' && typeof m.data !== 'string') ws.sent = performance.now();
      return post.call(this, m, ...rest);
    };
    window.Worker = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => {
          if (e.data?.type !== 'data' || ws.sent === 0 || ws.recv > 0) return;
          ws.recv = performance.now();
          ws.wake();
        });
      }
    };
  });
  context.setDefaultTimeout(30_000);
  const p = await context.newPage();
  await p.goto('/');
  await p.getByTestId('login-email').fill(process.env.AIOPS_EMAIL);
  await p.getByTestId('login-password').fill(process.env.AIOPS_PASSWORD);
  await p.getByTestId('login-submit').click();
  await p.getByTestId('inbox-row').first().waitFor();

  const paints = [];
  for (let i = 0; i < 5; i++) {
    await p.goto('/');
    await p.getByTestId('inbox-row').first().waitFor();
    paints.push(await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(performance.now())))));
  }

  await p.goto(`/sessions/${process.env.AIOPS_SESSION}`);
  const term = p.getByTestId('terminal');
  await term.waitFor();
  await p.waitForFunction(() => document.querySelector('[data-testid=terminal]')?.readText?.().trim().length > 0);
  await term.click();
  const lat = [];
  for (let i = 0; i < trials + 5; i++) {
    const ch = 'abcdefghij'[i % 10];
    // Arm the watcher in the page, then press. Times are the page's own clock, from the
    // keydown event: the key's bytes leaving on the WebSocket, the first output frame
    // after them, the character in xterm.js's buffer (checked on every message-loop turn
    // once output arrived), and the animation frame after that, which draws it.
    await p.evaluate((ch) => {
      const el = document.querySelector('[data-testid=terminal]');
      const before = el.readText().split(ch).length;
      const ws = window.__ws;
      ws.sent = ws.recv = 0;
      window.__glyph = new Promise((resolve) => {
        let t0 = null;
        const onKey = (e) => {
          if (t0 === null) t0 = e.timeStamp;
        };
        document.addEventListener('keydown', onKey, { capture: true });
        const mc = new MessageChannel();
        mc.port1.onmessage = () => {
          if (t0 !== null && el.readText().split(ch).length > before) {
            const buffer = performance.now() - t0;
            requestAnimationFrame(() => {
              document.removeEventListener('keydown', onKey, { capture: true });
              resolve({ sent: ws.sent - t0, recv: ws.recv - t0, buffer, frame: performance.now() - t0 });
            });
          } else {
            ws.wake = () => mc.port2.postMessage(0);
            if (ws.recv > 0) mc.port2.postMessage(0);
          }
        };
        ws.wake = () => mc.port2.postMessage(0);
      });
    }, ch);
    await p.keyboard.press(ch);
    const ms = await p.evaluate(() => window.__glyph);
    if (i >= 5) lat.push(ms); // the first keys warm up the path
  }
  await p.keyboard.press('Control+U');

  // The Changes panel of a session whose worktree holds AIOPS_CHANGES_FILES new files of
  // AIOPS_CHANGES_LINES lines each, 5 loads: from navigation start, and from the end of the
  // `/changes` answer, to the frame after every file is listed and the open diffs' lines
  // are in the DOM; then to the first highlighted span (highlight.js loads after the
  // first diff).
  const panel = [];
  const wantFiles = Number(process.env.AIOPS_CHANGES_FILES);
  for (let i = 0; i < 5; i++) {
    await p.goto(`/sessions/${process.env.AIOPS_CHANGES_SESSION}`);
    await p.waitForFunction(
      (n) =>
        document.querySelectorAll('[data-testid=changes-file]').length >= n &&
        document.querySelectorAll('[data-testid=diff-line]').length > 0,
      wantFiles,
      { polling: 'raf' },
    );
    const drawn = await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(performance.now()))));
    const answered = await p.evaluate(() => {
      const e = performance.getEntriesByType('resource').filter((r) => /\/changes(\?|$)/.test(new URL(r.name).pathname + new URL(r.name).search));
      return e.length ? e[e.length - 1].responseEnd : NaN;
    });
    await p.waitForFunction(() => document.querySelector('[data-testid=diff-file] [class*="hljs-"]'), undefined, { polling: 'raf' });
    const lit = await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(performance.now()))));
    const lines = await p.evaluate(() => document.querySelectorAll('[data-testid=diff-line]').length);
    panel.push({ drawn, render: drawn - answered, lit, lines });
  }

  // Inbox event → row: a title changed through the API (from the page, so one clock);
  // the row is replaced by the `issue.updated` event the server streams back.
  await p.goto('/');
  await p.getByTestId('inbox-row').first().waitFor();
  const inbox = [];
  for (let i = 0; i < trials; i++) {
    inbox.push(
      await p.evaluate(async (n) => {
        const row = document.querySelector('[data-testid=inbox-row]');
        const id = row.dataset.issueId;
        const title = `renamed for the bench ${n}`;
        const seen = new Promise((resolve) => {
          const check = () => document.querySelector(`[data-testid=inbox-row][data-issue-id="${id}"]`)?.textContent.includes(title);
          const mo = new MutationObserver(() => {
            if (check()) {
              mo.disconnect();
              resolve(performance.now());
            }
          });
          mo.observe(document.body, { subtree: true, childList: true, characterData: true });
        });
        const me = await fetch('/api/v1/auth/me').then((x) => x.json());
        const t0 = performance.now();
        const res = await fetch(`/api/v1/issues/${id}`, {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token || '' },
          body: JSON.stringify({ title }),
        });
        if (!res.ok) throw new Error(`PATCH ${res.status}`);
        const t1 = performance.now();
        const t2 = await seen;
        return { write: t2 - t0, event: t2 - t1 };
      }, i),
    );
  }
  console.log(
    JSON.stringify({
      first_paint_ms: { median: pct(paints, 0.5), max: Math.max(...paints) },
      changes_ms: {
        files: wantFiles,
        lines_drawn: panel[0].lines,
        drawn_median: pct(panel.map((x) => x.drawn), 0.5),
        render_median: pct(panel.map((x) => x.render), 0.5),
        render_max: Math.max(...panel.map((x) => x.render)),
        highlighted_median: pct(panel.map((x) => x.lit), 0.5),
      },
      inbox_event_ms: {
        trials: inbox.length,
        p50: pct(inbox.map((x) => x.event), 0.5),
        p95: pct(inbox.map((x) => x.event), 0.95),
        write_p50: pct(inbox.map((x) => x.write), 0.5),
      },
      keystroke_ms: {
        trials: lat.length,
        p50: pct(lat.map((l) => l.frame), 0.5),
        p95: pct(lat.map((l) => l.frame), 0.95),
        max: Math.max(...lat.map((l) => l.frame)),
        sent_p50: pct(lat.map((l) => l.sent), 0.5),
        recv_p50: pct(lat.map((l) => l.recv), 0.5),
        buffer_p50: pct(lat.map((l) => l.buffer), 0.5),
        buffer_p95: pct(lat.map((l) => l.buffer), 0.95),
      },
    }),
  );
  await browser.close();
})().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
