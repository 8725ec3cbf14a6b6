// Browser-side security checks of the web UI's origin (issue 6 acceptance):
//   - every HTML answer carries the CSP (no inline script, no framing) and the frame headers;
//   - a cookie-authenticated write without the CSRF token is refused, with it accepted;
//   - the terminal WebSocket refuses a page of another origin (here `localhost` against
//     `127.0.0.1`: same server, different origin, as the browser sends it).
'use strict';

const { base, launch, page, step, run } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;

run(async () => {
  const browser = await launch();
  try {
    const p = await page(browser);

    await step('HTML pages carry the CSP and frame headers', async () => {
      for (const path of ['/', '/issues', '/sessions/1', '/setup']) {
        const resp = await p.goto(path);
        const h = resp.headers();
        if (resp.status() !== 200) throw new Error(`${path}: status ${resp.status()}`);
        const csp = h['content-security-policy'] || '';
        for (const part of ["script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]) {
          if (!csp.includes(part)) throw new Error(`${path}: CSP ${csp} lacks ${part}`);
        }
        if (csp.includes('unsafe-eval')) throw new Error(`${path}: CSP allows eval: ${csp}`);
        if (h['x-frame-options'] !== 'DENY') throw new Error(`${path}: X-Frame-Options ${h['x-frame-options']}`);
      }
    });

    const csrf = await step('log in with the session cookie', async () => {
      const r = await p.evaluate(
        async ([email, password]) => {
          const res = await fetch('/api/v1/auth/login', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ email, password }),
          });
          return { status: res.status, body: await res.json() };
        },
        [email, password],
      );
      if (r.status !== 200 || !r.body.csrf_token) throw new Error(`login: ${JSON.stringify(r)}`);
      return r.body.csrf_token;
    });

    await step('a cookie write without the CSRF token is refused; with it, accepted', async () => {
      const post = (token) =>
        p.evaluate(async (token) => {
          const headers = { 'Content-Type': 'application/json' };
          if (token) headers['X-CSRF-Token'] = token;
          const res = await fetch('/api/v1/tenants', {
            method: 'POST',
            headers,
            body: JSON.stringify({ name: token ? 'With token' : 'Without token' }),
          });
          return res.status;
        }, token);
      const without = await post(null);
      if (without !== 403) throw new Error(`without the token: ${without}, expected 403`);
      const withToken = await post(csrf);
      if (withToken !== 201) throw new Error(`with the token: ${withToken}, expected 201`);
    });

    await step('the terminal WebSocket refuses another origin', async () => {
      const other = base.replace('127.0.0.1', 'localhost');
      const foreign = await page(browser);
      await foreign.goto(`${other}/`);
      const outcome = await foreign.evaluate(
        (url) =>
          new Promise((resolve) => {
            const ws = new WebSocket(url);
            ws.onopen = () => resolve('open');
            ws.onerror = () => resolve('refused');
            setTimeout(() => resolve('timeout'), 10_000);
          }),
        `${base.replace('http', 'ws')}/api/v1/sessions/1/terminal`,
      );
      if (outcome !== 'refused') throw new Error(`foreign-origin WebSocket: ${outcome}`);
    });
    // No assertNoErrors here: the refused write (403) is logged by the browser on purpose.
  } finally {
    await browser.close();
  }
});
