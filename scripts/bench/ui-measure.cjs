// Measures the web UI in Debian's chromium (playwright-core from ui/node_modules), for
// scripts/bench/ui.sh, which starts the server and passes AIOPS_URL, AIOPS_EMAIL,
// AIOPS_PASSWORD, AIOPS_SESSION (a live shell session) and AIOPS_TRIALS. Prints one JSON
// object: inbox first paint (ms from navigation start to the first issue row drawn, 5
// loads), and keystroke-to-glyph latency over AIOPS_TRIALS keys, in ms from the keydown
// event to: the key's bytes handed to the terminal socket, the echo's first frame back,
// the echoed character in the terminal's buffer, and the animation frame that draws it.
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
  console.log(
    JSON.stringify({
      first_paint_ms: { median: pct(paints, 0.5), max: Math.max(...paints) },
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
