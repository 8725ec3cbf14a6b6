// Shared by the web UI specs (run by src-tauri/tests/e2e/web_ui.rs, one node process per
// spec): Debian's chromium through playwright-core (never a downloaded browser), the
// server under test from AIOPS_URL, screenshots into AIOPS_SCREENSHOTS, and a step log
// so a failure says where it stopped.
'use strict';

const path = require('node:path');
const root = path.resolve(__dirname, '../../..');
const { chromium } = require(path.join(root, 'ui/node_modules/playwright-core'));

const base = process.env.AIOPS_URL;
if (!base) throw new Error('AIOPS_URL is not set (run through cargo test: web_ui)');
const shots = process.env.AIOPS_SCREENSHOTS || path.join(root, 'target/ui-screenshots');

/** Longest wait for any one condition, in ms: generous for a loaded 2-core machine. */
const WAIT = 15_000;

async function launch() {
  return chromium.launch({
    executablePath: process.env.AIOPS_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh context (its own cookies) and page, failing on any uncaught page error. */
async function page(browser, opts = {}) {
  const context = await browser.newContext({ baseURL: base, ...opts });
  context.setDefaultTimeout(WAIT);
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => {
    // A 401 is how the API answers "not signed in" (the app asks on load, and a wrong
    // password is refused with it): the browser logs it, the app handles it.
    if (m.type() === 'error' && !/status of 401\b/.test(m.text())) {
      errors.push(`console: ${m.text()}`);
    }
  });
  p.assertNoErrors = () => {
    if (errors.length) throw new Error(`errors in the page:\n${errors.join('\n')}`);
  };
  return p;
}

async function screenshot(p, name) {
  require('node:fs').mkdirSync(shots, { recursive: true });
  await p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
}

/**
 * A JSON API call from inside the page with its session cookie and CSRF token (for set-up
 * the spec does not test through screens); throws on a non-2xx answer.
 */
async function api(p, method, path, body) {
  const r = await p.evaluate(
    async ([method, path, body]) => {
      const me = await fetch('/api/v1/auth/me').then((x) => x.json());
      const res = await fetch(`/api/v1${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token || '' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.text() };
    },
    [method, path, body],
  );
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
  return r.body ? JSON.parse(r.body) : null;
}

/** Signs `p` in through the form and waits for the inbox. */
async function signIn(p, email, password) {
  await p.goto('/');
  await p.getByTestId('login-email').fill(email);
  await p.getByTestId('login-password').fill(password);
  await p.getByTestId('login-submit').click();
  await p.getByTestId('inbox-list').waitFor();
}

/** Runs `body` as one named step, so a failure names the step. */
async function step(name, body) {
  process.stdout.write(`step: ${name}\n`);
  try {
    return await body();
  } catch (e) {
    e.message = `${name}: ${e.message}`;
    throw e;
  }
}

/** Runs a spec's main, exiting 1 with the error on failure. */
function run(main) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${e.stack || e}\n`);
      process.exit(1);
    },
  );
}

module.exports = { base, launch, page, screenshot, step, run, api, signIn, WAIT };
