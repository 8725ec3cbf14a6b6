// "A server" in the desktop app, through WebDriver (run by src-tauri/tests/e2e/desktop.rs):
// the sign-in form asks for the server; signing in keeps an API key in the OS keychain
// (read back with secret-tool); the app restarted is still signed in; signing out
// removes the key; the notification toggles are saved from the account page; a second
// connection (This computer) is added and the app switches between them. Env: AIOPS_WEBDRIVER, AIOPS_APP, AIOPS_URL (the server),
// AIOPS_EMAIL, AIOPS_PASSWORD, AIOPS_ISSUE_TITLE.
'use strict';

const { execFileSync } = require('node:child_process');
const { step, until, script, withApp, type, click, present } = require('./webdriver.cjs');

const server = process.env.AIOPS_URL;
const title = process.env.AIOPS_ISSUE_TITLE;

/** The key the keychain holds for the server, or '' (secret-tool exits 1 for none). */
function keychainKey() {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', 'aiops', 'username', server], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

const inboxShows = `return [...document.querySelectorAll('[data-testid=inbox-row]')].some((r) => r.textContent.includes(${JSON.stringify(title)}))`;

(async () => {
  if (keychainKey()) throw new Error('the keychain holds a key before the test signed in');
  await withApp(async (s) => {
    step('first start: "A server" asks for its address');
    await present(s, '[data-testid=choose-remote]');
    await click(s, '[data-testid=choose-remote]');
    await present(s, '[data-testid=login-server]');
    await type(s, '[data-testid=login-server]', server);
    await type(s, '[data-testid=login-email]', process.env.AIOPS_EMAIL);
    await type(s, '[data-testid=login-password]', process.env.AIOPS_PASSWORD);
    await script(s, `document.querySelector('[data-testid=login-submit]').click()`);
    step('signed in: the inbox lists the server’s issue');
    await until(s, 'the issue in the inbox', inboxShows);
    step('do not disturb, from the account page');
    await script(s, `window.location.assign('/account')`);
    await until(s, 'the notification toggles', `return !!document.querySelector('[data-testid=notify-do_not_disturb]')`);
    await script(s, `document.querySelector('[data-testid=notify-do_not_disturb]').click()`);
    await until(s, 'the saved notice', `return document.querySelector('[data-testid=desktop-notifications] [role=status]')?.textContent.includes('Saved')`);

    step('add a second connection: This computer');
    await click(s, '[data-testid=connection-add]');
    await present(s, '[data-testid=choose-local]');
    await click(s, '[data-testid=choose-local]');
    await present(s, '[data-testid=local-first-user]');
    await type(s, '[data-testid=login-email]', 'me@example.com');
    await type(s, '[data-testid=login-password]', 'local-password-1');
    await click(s, '[data-testid=login-submit]');
    await present(s, '[data-testid=inbox-list]');
    await until(s, 'an inbox without the server’s issue', `return !document.querySelector('[data-testid=inbox-row]') && !${inboxShows.replace(/^return /, '')}`);

    step('switch back to the server from the account page');
    await script(s, `window.location.assign('/account')`);
    await present(s, '[data-testid=connection-local] [data-testid=connection-open]');
    await click(s, '[data-testid=switch-remote]');
    await until(s, 'the server’s issue again', inboxShows);
  });
  step('the key is in the OS keychain');
  const key = keychainKey();
  if (!key.startsWith('aiops_')) throw new Error(`no API key in the keychain for ${server}`);

  await withApp(async (s) => {
    step('restarted: still signed in');
    await until(s, 'the issue in the inbox', inboxShows);
    step('sign out');
    await script(s, `document.querySelector('[data-testid=user-menu]').click()`);
    await until(s, 'the sign-out item', `return !!document.querySelector('[data-testid=logout]')`);
    await script(s, `document.querySelector('[data-testid=logout]').click()`);
    await present(s, '[data-testid=choose-remote]');
    step('this computer stays saved, to reopen');
    await present(s, '[data-testid=reopen-local]');
  });
  step('the key is gone from the keychain');
  if (keychainKey()) throw new Error('the key is still in the keychain after signing out');
  step('done');
})().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
