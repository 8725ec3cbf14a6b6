// Admin → Chat bots in the browser: a polling Telegram bot shows as Polling with its
// allowed chat, its model and its linked chat user; a bot whose token Telegram refuses
// shows as Failing with the refusal; neither shows its token.
'use strict';

const { launch, page, step, run } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;
const secret = process.env.AIOPS_BOT_TOKEN_PART;

run(async () => {
  const browser = await launch();
  try {
    const p = await page(browser);
    const tid = (id) => p.getByTestId(id);

    await step('sign in and open Admin → Chat bots', async () => {
      await p.goto('/');
      await tid('login-email').fill(email);
      await tid('login-password').fill(password);
      await tid('login-submit').click();
      await tid('inbox-list').waitFor();
      await p.goto('/admin?tab=chat');
      await tid('admin-chat-bots').waitFor();
    });

    await step('the polling bot shows its chat, model and linked user', async () => {
      const row = p.locator('[data-testid="chat-bot-row"][data-health="ok"]');
      // The linked users load after the row (one request per bot): wait for them, not
      // only for the row, before reading its text.
      await row.getByText('4242 → alice@example.com').waitFor();
      const text = await row.innerText();
      for (const want of ['acme/ops', 'Telegram', 'Polling', 'Ollama tiny', '4242 → alice@example.com']) {
        if (!text.includes(want)) throw new Error(`the ops row lacks ${JSON.stringify(want)}: ${text}`);
      }
    });

    await step('the refused bot shows as failing, with why', async () => {
      const row = p.locator('[data-testid="chat-bot-row"]', { hasText: 'acme/broken' });
      await row.getByText('Failing').waitFor();
      const why = await row.getByTestId('chat-bot-error').innerText();
      if (!why.includes('refused the bot token')) throw new Error(`the error reads ${JSON.stringify(why)}`);
    });

    await step('no token on the page', async () => {
      const html = await p.content();
      if (html.includes(secret)) throw new Error('a bot token is on the page');
    });
  } finally {
    await browser.close();
  }
});
