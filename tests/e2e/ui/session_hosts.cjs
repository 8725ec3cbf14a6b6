// Admin → Session hosts (issue 23) against a host the Rust side added and checked over a
// real sshd: the row shows it ready with what its check found (tmux and git versions);
// Drain marks it draining and back; Test logs in again from the page.
'use strict';

const { launch, page, step, run, signIn } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;
const name = process.env.AIOPS_HOST;

run(async () => {
  const browser = await launch();
  try {
    const p = await page(browser);
    const row = () => p.locator(`[data-testid="session-host-row"][data-name="${name}"]`);
    const state = (s) => row().locator(`[data-testid="session-host-state"][data-state="${s}"]`);

    await step('the host is ready, with what its check found', async () => {
      await signIn(p, email, password);
      await p.goto('/admin?tab=session-hosts');
      await state('ok').waitFor();
      await row().locator('[data-item="tmux"]').filter({ hasText: 'tmux ' }).waitFor();
      await row().locator('[data-item="git"]').filter({ hasText: 'git version' }).waitFor();
    });

    await step('Drain, then take sessions again', async () => {
      await row().getByTestId('session-host-drain').click();
      await state('draining').waitFor();
      await row().getByTestId('session-host-drain').filter({ hasText: 'Take sessions again' }).click();
      await state('ok').waitFor();
    });

    await step('Test logs in again from the page', async () => {
      await row().getByTestId('session-host-test').click();
      await row().getByTestId('session-host-test').filter({ hasText: /^\s*Test\s*$/ }).waitFor();
      await state('ok').waitFor();
      const failed = p.getByTestId('session-hosts-error');
      if (await failed.count()) throw new Error(await failed.textContent());
    });
    p.assertNoErrors();
  } finally {
    await browser.close();
  }
});
