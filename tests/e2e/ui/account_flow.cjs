// The account's secrets and the admin's SSH screens in the browser: an SSH key generated
// here with ssh-keygen is added on the account page and listed with the fingerprint
// ssh-keygen prints; a malformed key gets the server's refusal inline and adds nothing;
// the key is deleted. A tool credential is stored (listed, never echoed back) and
// removed. Admin → Known hosts, Admin → Chat bots and the Worktrees page show their
// empty states. At 390 px wide none of these pages scrolls sideways.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { launch, page, screenshot, step, run, signIn } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;

/** Not an OpenSSH key, though it has the armour of one (so only the server can tell). */
const malformed = '-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END OPENSSH PRIVATE KEY-----\n';

/** Fails when the page is wider than the viewport (a sideways scroll on a phone). */
async function noSidewaysScroll(p, what) {
  const { scroll, view } = await p.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    view: window.innerWidth,
  }));
  if (scroll > view) throw new Error(`${what} is ${scroll} px wide in a ${view} px viewport`);
}

run(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiops-account-flow-'));
  const keyFile = path.join(dir, 'k');
  const browser = await launch();
  try {
    const p = await page(browser);
    const tid = (id) => p.getByTestId(id);
    const keyRows = () => tid('ssh-key-row');

    const fingerprint = await step('sign in; generate an ed25519 key with ssh-keygen', async () => {
      await signIn(p, email, password);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'account-flow', '-f', keyFile]);
      // "256 SHA256:… account-flow (ED25519)"
      const fp = execFileSync('ssh-keygen', ['-lf', keyFile], { encoding: 'utf8' }).split(/\s+/)[1];
      if (!fp || !fp.startsWith('SHA256:')) throw new Error(`ssh-keygen -lf printed no fingerprint: ${fp}`);
      return fp;
    });

    await step('the account page adds the key and lists it with its fingerprint', async () => {
      await p.goto('/account');
      await tid('ssh-keys-empty').waitFor();
      await tid('ssh-key-name').fill('laptop');
      await tid('ssh-key-private').fill(fs.readFileSync(keyFile, 'utf8'));
      await tid('ssh-key-submit').click();
      const row = keyRows().filter({ hasText: 'laptop' });
      await row.waitFor();
      const shown = (await row.getByTestId('ssh-key-fingerprint').innerText()).trim();
      if (shown !== fingerprint) throw new Error(`listed fingerprint ${shown}, ssh-keygen says ${fingerprint}`);
      if ((await tid('ssh-key-private').inputValue()) !== '') throw new Error('the private key stayed in the form');
      p.assertNoErrors();
    });

    await step("a malformed key gets the server's refusal inline and adds nothing", async () => {
      await tid('ssh-key-name').fill('broken');
      await tid('ssh-key-private').fill(malformed);
      await tid('ssh-key-submit').click();
      await tid('ssh-key-form').getByTestId('field-error').filter({ hasText: 'not an OpenSSH private key' }).waitFor();
      if ((await tid('ssh-key-private').getAttribute('aria-invalid')) !== 'true') {
        throw new Error('the private key field is not marked invalid');
      }
      const names = await keyRows().allInnerTexts();
      if (names.length !== 1 || names.some((n) => n.includes('broken'))) {
        throw new Error(`keys after the refusal: ${JSON.stringify(names)}`);
      }
    });

    // The refused POST is logged by the browser on purpose (a 400): the remaining steps
    // run in a fresh context whose log must stay clean.
    const q = await page(browser);
    const qid = (id) => q.getByTestId(id);
    q.on('dialog', (d) => d.accept());

    await step('after signing in again the key is still there; delete removes it', async () => {
      await signIn(q, email, password);
      await q.goto('/account');
      const row = qid('ssh-key-row').filter({ hasText: 'laptop' });
      await row.waitFor();
      await row.getByTestId('ssh-key-delete').click();
      await row.waitFor({ state: 'detached' });
      await qid('ssh-keys-empty').waitFor();
    });

    await step('a tool credential is stored, listed without its value, and removed', async () => {
      await qid('tool-credentials-empty').waitFor();
      await qid('tool-credential-kind').selectOption('openai_api_key');
      await qid('tool-credential-value').fill('sk-account-flow-test-key');
      await qid('tool-credential-submit').click();
      const row = q.locator('[data-testid="tool-credential-row"][data-kind="openai_api_key"]');
      await row.waitFor();
      if ((await qid('tool-credential-value').inputValue()) !== '') throw new Error('the stored value stayed in the form');
      const text = await qid('tool-credentials').innerText();
      if (text.includes('sk-account-flow-test-key')) throw new Error('the stored value is echoed on the page');
      await row.getByTestId('tool-credential-remove').click();
      await row.waitFor({ state: 'detached' });
      await qid('tool-credentials-empty').waitFor();
    });

    await step('Admin → Known hosts shows its empty state', async () => {
      await q.goto('/admin');
      await qid('admin-tab-hosts').click();
      await qid('known-hosts-empty').waitFor();
    });

    await step('Admin → Chat bots shows its empty state', async () => {
      await qid('admin-tab-chat').click();
      await qid('chat-bots-empty').waitFor();
    });

    await step('the keyboard moves between tabs and menu items (WAI-ARIA arrows, Home, End)', async () => {
      const focused = () => q.evaluate(() => document.activeElement?.getAttribute('data-testid'));
      await qid('admin-tab-users').focus();
      await q.keyboard.press('ArrowRight');
      if ((await focused()) !== 'admin-tab-keys') throw new Error(`ArrowRight focused ${await focused()}`);
      await q.keyboard.press('ArrowLeft');
      await q.keyboard.press('ArrowLeft');
      const last = await q.evaluate(() => [...document.querySelectorAll('[role=tab]')].at(-1)?.getAttribute('data-testid'));
      if ((await focused()) !== last) throw new Error(`ArrowLeft from the first tab focused ${await focused()}, not ${last}`);
      await q.keyboard.press('Home');
      if ((await focused()) !== 'admin-tab-users') throw new Error(`Home focused ${await focused()}`);
      await qid('user-menu').focus();
      await q.keyboard.press('Enter');
      await q.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'menu-account');
      await q.keyboard.press('End');
      if ((await focused()) !== 'logout') throw new Error(`End focused ${await focused()}`);
      await q.keyboard.press('ArrowDown');
      if ((await focused()) !== 'menu-account') throw new Error(`ArrowDown from the last item focused ${await focused()}`);
      await q.keyboard.press('Escape');
      await q.locator('[role=menu]').waitFor({ state: 'detached' });
    });

    await step('the Worktrees page, from the Sessions page, shows its empty state', async () => {
      await q.goto('/sessions');
      await qid('worktrees-link').click();
      await q.waitForURL(/\/worktrees$/);
      await qid('worktrees-empty').waitFor();
    });

    await step('at 390 px the pages fit the width; screenshots', async () => {
      for (const [w, h] of [
        [1280, 800],
        [390, 844],
      ]) {
        await q.setViewportSize({ width: w, height: h });
        await q.goto('/account');
        await qid('ssh-keys-empty').waitFor();
        await qid('tool-credentials-empty').waitFor();
        await noSidewaysScroll(q, 'the account page');
        await screenshot(q, `account-${w}x${h}`);
        await q.goto('/admin?tab=hosts');
        await qid('known-hosts-empty').waitFor();
        await noSidewaysScroll(q, 'Admin → Known hosts');
        await q.goto('/worktrees');
        await qid('worktrees-empty').waitFor();
        await noSidewaysScroll(q, 'the worktrees page');
        await screenshot(q, `worktrees-${w}x${h}`);
      }
    });
    q.assertNoErrors();
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
