// Measures the web UI in Debian's chromium (playwright-core from ui/node_modules), for
// scripts/bench/ui.sh, which starts the server and passes AIOPS_URL, AIOPS_EMAIL,
// AIOPS_PASSWORD, AIOPS_SESSION (a live shell session) and AIOPS_TRIALS. Prints one JSON
// object: inbox first paint (ms from navigation start to the first issue row drawn, 5
// loads), and keystroke-to-glyph latency (ms from the keydown event to the echoed character in the
// terminal's buffer, and to the animation frame that draws it; AIOPS_TRIALS keys).
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
    // Arm the watcher in the page, then press. The clock starts at the keydown event
    // (the page's own time, not the test driver's), the buffer is checked on every
    // message-loop turn, and the glyph counts as drawn at the animation frame after it
    // reached the buffer.
    await p.evaluate((ch) => {
      const el = document.querySelector('[data-testid=terminal]');
      const before = el.readText().split(ch).length;
      window.__glyph = new Promise((resolve) => {
        let t0 = null;
        const onKey = (e) => {
          if (t0 === null) t0 = e.timeStamp;
        };
        document.addEventListener('keydown', onKey, { capture: true });
        const mc = new MessageChannel();
        mc.port1.onmessage = () => {
          if (t0 !== null && el.readText().split(ch).length > before) {
            const inBuffer = performance.now() - t0;
            requestAnimationFrame(() => {
              document.removeEventListener('keydown', onKey, { capture: true });
              resolve({ buffer: inBuffer, frame: performance.now() - t0 });
            });
          } else {
            mc.port2.postMessage(0);
          }
        };
        mc.port2.postMessage(0);
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
