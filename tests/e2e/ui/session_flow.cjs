// "Work on this" in the browser (issue 6 acceptance): the shell tool on a native issue
// opens the session page with a live terminal; `echo hi` prints `hi`; `exit` turns the
// state badge to exited and the notification centre says so. Screenshots of the
// session page in light and dark at desktop and phone sizes.
'use strict';

const { launch, page, screenshot, step, run, api, WAIT } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;
const repo = process.env.AIOPS_REPO;

/** The terminal's text (its buffer, whichever renderer draws it). */
const terminalText = (p) => p.getByTestId('terminal').evaluate((el) => el.readText());

async function waitForText(p, test, what) {
  const deadline = Date.now() + WAIT;
  let last = '';
  while (Date.now() < deadline) {
    last = await terminalText(p);
    if (test(last)) return last;
    await p.waitForTimeout(100);
  }
  throw new Error(`the terminal never showed ${what}; it shows:\n${last}`);
}

run(async () => {
  const browser = await launch();
  try {
    const p = await page(browser);
    const tid = (id) => p.getByTestId(id);

    const issue = await step('sign in; a project on a local repository and an issue', async () => {
      await p.goto('/');
      await tid('login-email').fill(email);
      await tid('login-password').fill(password);
      await tid('login-submit').click();
      await tid('inbox-list').waitFor();
      await api(p, 'POST', '/tenants', { name: 'Acme' });
      const project = await api(p, 'POST', '/projects', { tenant: 'acme', name: 'demo', repo_url: repo });
      return api(p, 'POST', '/issues', { project: project.id, title: 'Try the shell' });
    });

    await step('Work on this with the shell tool opens a live terminal', async () => {
      await p.goto(`/issues/${issue.id}`);
      await tid('work-tool').selectOption('shell');
      await tid('work-submit').click();
      await p.waitForURL(/\/sessions\/\d+$/);
      await tid('terminal').waitFor();
      await tid('state-badge').filter({ hasText: /running|waiting|starting/i }).first().waitFor();
    });

    await step('typing `echo hi` shows hi', async () => {
      await waitForText(p, (t) => t.trim().length > 0, 'a prompt');
      await tid('terminal').click();
      await p.keyboard.type('echo hi');
      await p.keyboard.press('Enter');
      await waitForText(p, (t) => t.split('\n').some((l) => l.trim() === 'hi'), 'a line `hi`');
    });

    await step('screenshots of the session page', async () => {
      for (const scheme of ['light', 'dark']) {
        for (const [w, h] of [
          [1280, 800],
          [390, 844],
        ]) {
          await p.emulateMedia({ colorScheme: scheme });
          await p.setViewportSize({ width: w, height: h });
          await waitForText(p, (t) => t.includes('hi'), 'its text after a resize');
          await screenshot(p, `session-${scheme}-${w}x${h}`);
        }
      }
      await p.setViewportSize({ width: 1280, height: 800 });
    });

    await step('`exit` turns the badge to exited and the notification centre says so', async () => {
      await tid('terminal').click();
      await p.keyboard.type('exit');
      await p.keyboard.press('Enter');
      await tid('state-badge').filter({ hasText: /exited/i }).first().waitFor();
      await tid('notification-count').waitFor();
      await tid('notification-bell').click();
      await tid('notification-item').filter({ hasText: /exited/i }).first().waitFor();
    });
    p.assertNoErrors();
  } finally {
    await browser.close();
  }
});
