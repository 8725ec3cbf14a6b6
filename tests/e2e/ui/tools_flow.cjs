// Admin → Tools in the browser: a card per agent CLI (claude, codex, aider) with what is
// installed and the registry's newest; Install on the Codex card starts a job whose
// output streams into the card, and Cancel stops it. The server's npm registry is a
// local one that never answers (set by the Rust side), so npm hangs until cancelled and
// the newest version is "unknown" — no network is needed.
'use strict';

const { launch, page, screenshot, step, run } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;

run(async () => {
  const browser = await launch();
  try {
    const p = await page(browser);
    const tid = (id) => p.getByTestId(id);
    const codex = () => tid('tool-install-card').filter({ hasText: 'codex' });

    await step('sign in; Admin → Tools shows a card per agent CLI', async () => {
      await p.goto('/');
      await tid('login-email').fill(email);
      await tid('login-password').fill(password);
      await tid('login-submit').click();
      await tid('inbox-list').waitFor();
      await p.goto('/admin?tab=tools');
      // The status asks the (silent) registry, which gives up after its deadline.
      await codex().waitFor({ timeout: 45_000 });
      const names = await tid('tool-install-card').locator('strong').allInnerTexts();
      for (const n of ['claude', 'codex', 'aider']) {
        if (!names.includes(n)) throw new Error(`no card for ${n}: ${JSON.stringify(names)}`);
      }
      const text = await codex().innerText();
      if (!/not installed/.test(text) || !/unknown/.test(text)) {
        throw new Error(`the Codex card says it is missing and its newest is unknown: ${text}`);
      }
    });

    await step("Install streams npm's command into the card; Cancel stops the job", async () => {
      await codex().getByTestId('tool-install').click();
      await codex()
        .getByTestId('tool-install-output')
        .filter({ hasText: '$ npm install @openai/codex@latest' })
        .waitFor({ timeout: 30_000 });
      await screenshot(p, 'admin-tools-installing');
      await codex().getByRole('button', { name: 'Cancel' }).click();
      await codex().getByText(/: cancelled/).waitFor({ timeout: 30_000 });
      await codex().getByTestId('tool-install').waitFor();
      p.assertNoErrors();
    });
  } finally {
    await browser.close();
  }
});
