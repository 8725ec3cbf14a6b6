// Admin → Chat bots with a Slack bot in Socket Mode: the row says Socket Mode; "Back to
// polling" clears the app token (the row says polling), pasting one sets it again (Socket
// Mode, the field emptied); no token ever shows on the page.
'use strict';

const { launch, page, step, run } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;
const appToken = process.env.AIOPS_SLACK_APP_TOKEN;
const secret = process.env.AIOPS_BOT_TOKEN_PART;

run(async () => {
  const browser = await launch();
  try {
    const p = await page(browser);
    const tid = (id) => p.getByTestId(id);
    const row = () => p.locator('[data-testid="chat-bot-row"]', { hasText: 'acme/live' });
    const mode = async (want) => {
      await row().getByTestId('chat-bot-mode').getByText(want, { exact: true }).waitFor();
    };

    await step('sign in and open Admin → Chat bots', async () => {
      await p.goto('/');
      await tid('login-email').fill(email);
      await tid('login-password').fill(password);
      await tid('login-submit').click();
      await tid('inbox-list').waitFor();
      await p.goto('/admin?tab=chat');
      await tid('admin-chat-bots').waitFor();
    });

    await step('the Slack bot receives over Socket Mode', async () => {
      await mode('Socket Mode');
      const text = await row().innerText();
      if (!text.includes('Slack')) throw new Error(`the live row lacks Slack: ${text}`);
    });

    await step('back to polling clears the app token', async () => {
      await row().getByRole('button', { name: 'Back to polling' }).click();
      await mode('polling');
    });

    await step('pasting an app token turns Socket Mode on again', async () => {
      const field = row().getByLabel('App-level token (xapp-…, Socket Mode)');
      await field.fill(appToken);
      await row().getByRole('button', { name: 'Set', exact: true }).click();
      await mode('Socket Mode');
      if ((await field.inputValue()) !== '') throw new Error('the token stays in the field');
    });

    await step('no token on the page', async () => {
      const html = await p.content();
      if (html.includes(secret)) throw new Error('a token is on the page');
    });
  } finally {
    await browser.close();
  }
});
