// "This computer" in the desktop app, through WebDriver (run by src-tauri/tests/e2e/desktop.rs):
// first start → This computer (creates the first admin of a fresh data dir) → a tenant,
// a project and a native issue from the pages → Work on this with `shell` → typed output
// in the terminal → `exit` → an OS notification naming the issue on the session bus.
// Then the app restarted opens this computer again, still signed in.
// Env: AIOPS_WEBDRIVER, AIOPS_APP, AIOPS_REPO (a local git repository), AIOPS_EMAIL,
// AIOPS_PASSWORD, AIOPS_BUS_LOG (dbus-monitor's output file), AIOPS_DATA_DIR.
'use strict';

const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { step, until, script, withApp, type, click, present } = require('./webdriver.cjs');

const title = 'Fix the local flow';

/** Sets a <select>'s value as a user would (Svelte's bind listens to `change`). */
const choose = (s, css, value) =>
  script(
    s,
    `const e = document.querySelector(${JSON.stringify(css)}); e.value = ${JSON.stringify(value)}; e.dispatchEvent(new Event('change', { bubbles: true }))`,
  );

const terminalHasLine = (line) =>
  `return !!document.querySelector('[data-testid=terminal]')?.readText?.().split('\\n').some((l) => l.trim() === ${JSON.stringify(line)})`;

async function waitForFile(path, needle, what) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {}
    if (text.includes(needle)) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

(async () => {
  await withApp(async (s) => {
    step('first start: choose This computer; a fresh data dir asks for the first account');
    await present(s, '[data-testid=choose-local]');
    await click(s, '[data-testid=choose-local]');
    await present(s, '[data-testid=local-first-user]');
    await type(s, '[data-testid=login-email]', process.env.AIOPS_EMAIL);
    await type(s, '[data-testid=login-password]', process.env.AIOPS_PASSWORD);
    await click(s, '[data-testid=login-submit]');
    await present(s, '[data-testid=inbox-list]');

    step('a tenant and a project on the local repository');
    await script(s, `window.location.assign('/projects')`);
    await present(s, '[data-testid=tenant-new]');
    await click(s, '[data-testid=tenant-new]');
    await type(s, '[data-testid=tenant-name]', 'Acme');
    await click(s, '[data-testid=tenant-submit]');
    await until(s, 'the tenant', `return [...document.querySelectorAll('[data-testid=tenant]')].some((t) => t.textContent.includes('Acme'))`);
    await click(s, '[data-testid=project-new]');
    await present(s, '[data-testid=project-name]');
    await choose(s, '[data-testid=project-tenant]', 'acme');
    await type(s, '[data-testid=project-name]', 'demo');
    await type(s, '[data-testid=project-repo]', process.env.AIOPS_REPO);
    await click(s, '[data-testid=project-submit]');
    await present(s, '[data-testid=project-settings]');

    step("the tray's New session… page opens the form at once");
    await script(s, `window.location.assign('/sessions?new=1')`);
    await present(s, '[data-testid=new-session-project]');

    step('a native issue from the inbox');
    await script(s, `window.location.assign('/')`);
    await present(s, '[data-testid=new-issue]');
    await click(s, '[data-testid=new-issue]');
    await type(s, '[data-testid=issue-create-title]', title);
    await click(s, '[data-testid=issue-create-submit]');
    await until(s, 'the issue page', `return document.querySelector('[data-testid=issue-title]')?.textContent.includes(${JSON.stringify(title)})`);

    step('Work on this with shell opens its terminal');
    await present(s, '[data-testid=work-tool] option[value=shell]');
    await choose(s, '[data-testid=work-tool]', 'shell');
    await click(s, '[data-testid=work-submit]');
    await until(s, 'an open terminal with a prompt', `return document.querySelector('[data-testid=terminal]')?.dataset.state === 'open' && document.querySelector('[data-testid=terminal]').readText().trim().length > 0`);

    step('the terminal is a local PTY, not a network hop');
    await until(s, 'the local transport', `return document.querySelector('[data-testid=terminal]').dataset.transport === 'local'`);

    step('typed input runs in the session');
    await type(s, '.xterm-helper-textarea', 'echo local-$((40 + 2))\uE007');
    await until(s, 'the output of the command', terminalHasLine('local-42'));

    step('exit: an OS notification names the issue');
    await type(s, '.xterm-helper-textarea', 'exit\uE007');
    const bus = await waitForFile(process.env.AIOPS_BUS_LOG, title, 'a Notify call naming the issue');
    if (!bus.includes('exited')) throw new Error(`the notification does not say the session exited:\n${bus}`);
  });

  step('the app ended and released the data dir');
  const lock = `${process.env.AIOPS_DATA_DIR}/serve.lock`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      execFileSync('flock', ['--nonblock', lock, 'true']);
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`the data dir stayed locked after the app ended: ${e}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  step('the key is in the OS keychain under this data dir’s local account');
  const account = `local:${process.env.AIOPS_DATA_DIR}`;
  const key = execFileSync('secret-tool', ['lookup', 'service', 'aiops', 'username', account], { encoding: 'utf8' }).trim();
  if (!key.startsWith('aiops_')) throw new Error('no API key in the keychain for this computer');

  await withApp(async (s) => {
    step('restarted: this computer opens again, signed in');
    try {
      await until(s, 'the issue in the inbox', `return [...document.querySelectorAll('[data-testid=inbox-row]')].some((r) => r.textContent.includes(${JSON.stringify(title)}))`);
    } catch (e) {
      throw new Error(`${e.message}\n--- the page ---\n${await script(s, 'return location.href + "\\n" + document.body.innerText')}`);
    }
  });
  step('done');
})().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
