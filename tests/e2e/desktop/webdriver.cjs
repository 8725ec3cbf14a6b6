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

module.exports = { step, wd, script, until };
