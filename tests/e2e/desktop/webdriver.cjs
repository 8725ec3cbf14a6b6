// Shared by the desktop specs (tests/e2e/desktop/*.cjs): W3C WebDriver calls to
// tauri-driver (AIOPS_WEBDRIVER), waits with a deadline, and a step log so a failure
// says where it stopped.
'use strict';

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
    last = await script(session, source);
    if (last) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; last answer: ${JSON.stringify(last)}`);
}

/** Starts the app (AIOPS_APP) in a WebDriver session, runs `body(session)`, then ends it. */
async function withApp(body) {
  const { sessionId } = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: process.env.AIOPS_APP } } },
  });
  try {
    await body(sessionId);
  } finally {
    await wd('DELETE', `/session/${sessionId}`).catch(() => {});
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
