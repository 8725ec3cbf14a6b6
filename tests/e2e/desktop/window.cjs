// The desktop window through WebDriver (tauri-driver + Debian's WebKitWebDriver), run by
// src-tauri/tests/e2e/desktop.rs, which starts `aiops serve` with an issue and tauri-driver
// with the app's environment (the server URL and an API key, as the CLI would find them).
// Checks: the window shows the web UI signed in to that server, with the issue in the
// inbox; the API key is nowhere JavaScript can read (window, storage, cookies, the DOM).
// Then the terminal of a live `shell` session (AIOPS_SESSION) opens in the window, and a
// command typed into it prints its output.
// Env: AIOPS_WEBDRIVER (tauri-driver's URL), AIOPS_APP (the binary), AIOPS_ISSUE_TITLE,
// AIOPS_SECRET (the key to look for), AIOPS_SESSION. Prints a step log; exits non-zero
// on failure.
'use strict';

const { step, wd, until } = require('./webdriver.cjs');

const app = process.env.AIOPS_APP;
const title = process.env.AIOPS_ISSUE_TITLE;
const secret = process.env.AIOPS_SECRET;
const session = process.env.AIOPS_SESSION;

// Everything a script in the page can reach without the network: the window's own
// properties (as JSON where they serialise), both storages, cookies and the document.
const EXPOSED = `
  const seen = [];
  for (const k of Object.getOwnPropertyNames(window)) {
    try { const v = window[k]; seen.push(k, typeof v === 'string' ? v : JSON.stringify(v) ?? ''); } catch {}
  }
  for (const s of [localStorage, sessionStorage]) {
    for (let i = 0; i < s.length; i++) seen.push(s.key(i), s.getItem(s.key(i)));
  }
  seen.push(document.cookie, document.documentElement.outerHTML);
  return seen.join('\\n');`;

(async () => {
  step('start the app through tauri-driver');
  const { sessionId } = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: app } } },
  });
  try {
    step('the inbox lists the server’s issue');
    await until(
      sessionId,
      `an inbox row titled ${title}`,
      `return [...document.querySelectorAll('[data-testid=inbox-row]')].some((r) => r.textContent.includes(${JSON.stringify(title)}))`,
    );
    step('the page came from the app, not the server');
    const href = await wd('POST', `/session/${sessionId}/execute/sync`, { script: 'return location.href', args: [] });
    if (!/^(tauri|http):\/\/(localhost|tauri\.localhost)/.test(href)) throw new Error(`unexpected page ${href}`);
    step('JavaScript cannot read the API key');
    const exposed = await wd('POST', `/session/${sessionId}/execute/sync`, { script: EXPOSED, args: [] });
    if (exposed.length < 1000) throw new Error(`the page exposes too little to be a real check (${exposed.length} chars)`);
    if (exposed.includes(secret)) throw new Error('the API key is readable from the page');
    if (exposed.includes(secret.slice(0, 12))) throw new Error('the start of the API key is readable from the page');

    step('the session page attaches its terminal');
    await wd('POST', `/session/${sessionId}/execute/sync`, { script: `window.location.assign('/sessions/${Number(session)}')`, args: [] });
    await until(sessionId, 'an open terminal', `return document.querySelector('[data-testid=terminal]')?.dataset.state === 'open' && document.querySelector('[data-testid=terminal]').readText().trim().length > 0`);
    step('typed input runs in the session');
    const input = await wd('POST', `/session/${sessionId}/element`, { using: 'css selector', value: '.xterm-helper-textarea' });
    const element = Object.values(input)[0];
    await wd('POST', `/session/${sessionId}/element/${element}/value`, { text: 'echo desktop-$((40 + 2))\uE007' });
    await until(sessionId, 'the output of the command', `return document.querySelector('[data-testid=terminal]').readText().split('\\n').some((l) => l.trim() === 'desktop-42')`);
  } finally {
    await wd('DELETE', `/session/${sessionId}`).catch(() => {});
  }
  step('done');
})().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
