// Shared by the desktop specs (tests/e2e/desktop/*.cjs): W3C WebDriver calls to
// tauri-driver (AIOPS_WEBDRIVER), waits with a deadline, and a step log so a failure
// says where it stopped.
'use strict';

const fs = require('node:fs');

const driver = process.env.AIOPS_WEBDRIVER;
if (!driver) throw new Error('AIOPS_WEBDRIVER is not set (run through cargo test: desktop)');
/** Longest wait for one condition, in ms (a debug WebKit build on 2 loaded cores). */
const WAIT = 60_000;

const step = (what) => console.log(`step: ${what}`);

/** One WebDriver command; throws with the driver's error otherwise. */
async function wd(method, path, body) {
  const res = await fetch(driver + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(answer.value)}`);
  return answer.value;
}

/** Runs `source` (a function body) in the page and returns its value. */
const script = (session, source) => wd('POST', `/session/${session}/execute/sync`, { script: source, args: [] });

/** Runs `source` in the page until it returns something truthy, or fails after WAIT. */
async function until(session, what, source) {
  const deadline = Date.now() + WAIT;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await script(session, source);
      if (last) return last;
    } catch (e) {
      // A navigation the spec started (location.assign) can unload the page under the
      // script: ask again on the next page. Anything else is a real failure.
      if (!/no such frame|unload/i.test(String(e))) throw e;
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; last answer: ${JSON.stringify(last)}`);
}

/** PIDs of the app running with this spec's AIOPS_CONFIG_DIR (other tests run theirs). */
function ourApps() {
  const mine = `AIOPS_CONFIG_DIR=${process.env.AIOPS_CONFIG_DIR}\0`;
  return fs.readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return fs.readlinkSync(`/proc/${pid}/exe`) === process.env.AIOPS_APP && `${fs.readFileSync(`/proc/${pid}/environ`, 'latin1')}\0`.includes(mine);
    } catch {
      return false; // gone, or not ours to read
    }
  });
}

/**
 * Starts the app (AIOPS_APP) in a WebDriver session, runs `body(session)`, then ends it
 * and waits until the app has exited: a second app on the same config would otherwise
 * hand over to the one still quitting (single instance) and leave WebDriver waiting.
 */
async function withApp(body) {
  const { sessionId } = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: process.env.AIOPS_APP } } },
  });
  try {
    await body(sessionId);
  } finally {
    await wd('DELETE', `/session/${sessionId}`).catch(() => {});
  }
  const deadline = Date.now() + WAIT;
  while (ourApps().length) {
    if (Date.now() > deadline) throw new Error(`the app (pid ${ourApps()}) did not exit after its WebDriver session ended`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Types `text` into the element `css` as key presses (`\uE007` is Enter). */
async function type(session, css, text) {
  const found = await wd('POST', `/session/${session}/element`, { using: 'css selector', value: css });
  await wd('POST', `/session/${session}/element/${Object.values(found)[0]}/value`, { text });
}

/** Clicks the element `css` (from the page: WebKitWebDriver's click needs it in view). */
const click = (session, css) => script(session, `document.querySelector(${JSON.stringify(css)}).click()`);

/** Waits for the element `css` to exist. */
const present = (session, css) => until(session, css, `return !!document.querySelector(${JSON.stringify(css)})`);

module.exports = { step, wd, script, until, withApp, type, click, present };
