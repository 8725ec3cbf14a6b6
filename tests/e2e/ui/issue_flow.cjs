// First run to an issue's life in the browser (issue 6 acceptance): the one-time setup
// page creates the admin, sign out and back in, a tenant and a project from the projects
// page, a native issue
// with hostile Markdown that must render inert, a comment, close, reopen. Screenshots
// of the inbox, the issue and the admin page in light and dark at desktop and phone
// sizes.
'use strict';

const { launch, page, screenshot, step, run } = require('./browser.cjs');

const token = process.env.AIOPS_SETUP_TOKEN;
const email = 'first-admin@example.com';
const password = 'a-long-first-password';
const hostile =
  '# Steps\n\n<img src=x onerror="window.__xss = 1">\n\n' +
  '[click me](javascript:window.__xss=2) and [the docs](https://example.com)';

run(async () => {
  const browser = await launch();
  try {
    const p = await page(browser);
    const tid = (id) => p.getByTestId(id);

    await step('first-run setup from the one-time URL', async () => {
      await p.goto(`/setup#token=${token}`);
      await tid('setup-email').fill(email);
      await tid('setup-name').fill('First Admin');
      await tid('setup-password').fill(password);
      await tid('setup-confirm').fill(password);
      await tid('setup-submit').click();
      await tid('inbox-list').waitFor();
    });

    await step('sign out, then sign in with the login form', async () => {
      await tid('user-menu').click();
      await tid('logout').click();
      await tid('login-form').waitFor();
      await tid('login-email').fill(email);
      await tid('login-password').fill('wrong password!');
      await tid('login-submit').click();
      await p.getByRole('alert').first().waitFor();
      await tid('login-password').fill(password);
      await tid('login-submit').click();
      await tid('inbox-list').waitFor();
    });

    await step('a tenant and a project from the projects page', async () => {
      await p.goto('/projects');
      await tid('tenant-new').click();
      await tid('tenant-name').fill('Acme');
      await tid('tenant-submit').click();
      await p.getByTestId('tenant').filter({ hasText: 'Acme' }).first().waitFor();
      await tid('project-new').click();
      await tid('project-tenant').selectOption('acme');
      await tid('project-name').fill('demo');
      await tid('project-repo').fill('https://example.com/demo.git');
      await tid('project-submit').click();
      // The repository is checked once saved: example.com holds none, and the form says
      // so in a sentence before going on.
      await tid('repo-warning').waitFor({ timeout: 45_000 });
      const warning = await tid('repo-warning').innerText();
      if (!warning.includes('cannot be reached')) throw new Error(`repository warning: ${warning}`);
      await tid('repo-warning-continue').click();
      // A new project opens its settings page.
      await p.waitForURL(/\/projects\/\d+$/);
      await tid('project-settings').waitFor();
    });

    await step('a native issue from the inbox', async () => {
      await p.goto('/');
      await tid('new-issue').click();
      await tid('issue-create-title').fill('Login loops after reset');
      await tid('issue-create-description').fill(hostile);
      await tid('issue-create-submit').click();
      await tid('issue-title').getByText('Login loops after reset').waitFor();
    });

    await step('its Markdown renders and stays inert', async () => {
      const md = tid('markdown').first();
      await md.locator('h1', { hasText: 'Steps' }).waitFor();
      const found = await p.evaluate(() => ({
        xss: window.__xss ?? null,
        scriptish: document.querySelectorAll('[data-testid=markdown] script, [data-testid=markdown] [onerror]').length,
        jsLinks: document.querySelectorAll('[data-testid=markdown] a[href^="javascript:"]').length,
        docs: document.querySelectorAll('[data-testid=markdown] a[href="https://example.com"]').length,
      }));
      if (found.xss !== null || found.scriptish || found.jsLinks || found.docs !== 1) {
        throw new Error(`Markdown is not inert: ${JSON.stringify(found)}`);
      }
    });

    await step('comment', async () => {
      await tid('comment-body').fill('Reproduced on staging.');
      await tid('comment-submit').click();
      await tid('comment').filter({ hasText: 'Reproduced on staging.' }).waitFor();
    });

    await step('close, then reopen', async () => {
      await tid('issue-close').click();
      await tid('issue-status').getByText('Closed').waitFor();
      await tid('issue-reopen').click();
      await tid('issue-status').getByText('Open').waitFor();
    });

    await step('screenshots: inbox, issue and admin, light and dark, desktop and phone', async () => {
      const issueUrl = p.url();
      for (const scheme of ['light', 'dark']) {
        for (const [w, h] of [
          [1280, 800],
          [390, 844],
        ]) {
          await p.emulateMedia({ colorScheme: scheme });
          await p.setViewportSize({ width: w, height: h });
          await p.goto('/');
          await tid('inbox-row').first().waitFor();
          await screenshot(p, `inbox-${scheme}-${w}x${h}`);
          await p.goto(issueUrl);
          await tid('issue-title').waitFor();
          await screenshot(p, `issue-${scheme}-${w}x${h}`);
          await p.goto('/admin');
          await tid('admin-users').waitFor();
          await screenshot(p, `admin-${scheme}-${w}x${h}`);
        }
      }
    });
    p.assertNoErrors();
  } finally {
    await browser.close();
  }
});
