// A remote server's terminal in the desktop app, by transport (run by
// src-tauri/tests/e2e/desktop_ssh.rs, which starts the server, an sshd and tauri-driver).
// With AIOPS_HOST_FINGERPRINT: the first attach stops at the unknown-host prompt showing
// exactly that fingerprint; trusting it attaches. With AIOPS_KEY_PASSPHRASE: the key file
// then asks for its passphrase, which is typed with Remember ticked. Then the terminal is carried by
// AIOPS_TRANSPORT (`ssh` or `websocket`, shown in the terminal's label; a WebSocket one
// says why SSH was not used), a typed command prints its output, and closing the tab
// detaches. Env: AIOPS_WEBDRIVER, AIOPS_APP, AIOPS_ISSUE_TITLE, AIOPS_SESSION,
// AIOPS_TRANSPORT, AIOPS_HOST_FINGERPRINT and AIOPS_KEY_PASSPHRASE (optional).
'use strict';

const { step, wd, until, script } = require('./webdriver.cjs');

const title = process.env.AIOPS_ISSUE_TITLE;
const session = Number(process.env.AIOPS_SESSION);
const transport = process.env.AIOPS_TRANSPORT;
const fingerprint = process.env.AIOPS_HOST_FINGERPRINT;
const passphrase = process.env.AIOPS_KEY_PASSPHRASE;

const TERM = `document.querySelector('[data-testid=terminal][data-session-id="${session}"]')`;

/** Types `text` into the element `css` (a WebDriver element, as a user types). */
async function type(s, css, text) {
  const found = await wd('POST', `/session/${s}/element`, { using: 'css selector', value: css });
  await wd('POST', `/session/${s}/element/${Object.values(found)[0]}/value`, { text });
}

(async () => {
  step('start the app through tauri-driver');
  const { sessionId: s } = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: process.env.AIOPS_APP } } },
  });
  try {
    step('signed in: the inbox lists the server’s issue');
    await until(
      s,
      `an inbox row titled ${title}`,
      `return [...document.querySelectorAll('[data-testid=inbox-row]')].some((r) => r.textContent.includes(${JSON.stringify(title)}))`,
    );
    step('open the session’s terminal');
    await script(s, `window.location.assign('/sessions/${session}')`);

    if (fingerprint) {
      step('the unknown host is shown with its fingerprint');
      const shown = await until(
        s,
        'the unknown-host prompt',
        `return ${TERM}?.querySelector('[data-testid=terminal-host-fingerprint]')?.textContent.trim()`,
      );
      if (shown !== fingerprint) throw new Error(`the prompt shows ${shown}, sshd's host key is ${fingerprint}`);
      step('trust it');
      await script(s, `${TERM}.querySelector('[data-testid=terminal-trust-host]').click()`);
    }
    if (passphrase) {
      step('the key asks for its passphrase: type it, remember it');
      await until(s, 'the passphrase prompt', `return !!${TERM}?.querySelector('[data-testid=terminal-passphrase]')`);
      await type(s, '[data-testid=terminal-passphrase]', passphrase);
      await script(s, `${TERM}.querySelector('[data-testid=terminal-passphrase-remember]').click()`);
      await script(s, `${TERM}.querySelector('[data-testid=terminal-passphrase-submit]').click()`);
    }

    step(`the terminal opens over ${transport}`);
    await until(
      s,
      `an open terminal over ${transport}`,
      `const t = ${TERM}; return t?.dataset.state === 'open' && t.dataset.transport === ${JSON.stringify(transport)} && t.readText().trim().length > 0`,
    );
    const label = await until(s, 'the transport label', `return ${TERM}.querySelector('[data-testid=terminal-transport]')?.textContent.trim()`);
    const expected = { ssh: 'SSH', websocket: 'WebSocket' }[transport];
    if (label !== expected) throw new Error(`the label says ${label}, expected ${expected}`);
    if (transport === 'websocket') {
      const note = await script(s, `return ${TERM}.querySelector('[data-testid=terminal-transport]').title`);
      if (!/SSH was not used: cannot reach/.test(note)) throw new Error(`the label does not say why SSH was not used: ${note}`);
    }

    step('typed input runs in the session');
    await type(s, '.xterm-helper-textarea', `echo ${transport}-$((6*7))\uE007`);
    await until(
      s,
      'the output of the command',
      `return ${TERM}.readText().split('\\n').some((l) => l.trim() === ${JSON.stringify(`${transport}-42`)})`,
    );

    step('close the tab: detach');
    await script(s, `document.querySelector('[data-testid=terminal-tab][data-session-id="${session}"] [data-testid=terminal-tab-close]').click()`);
    await until(s, 'the tab to be gone', `return !document.querySelector('[data-testid=terminal-tab][data-session-id="${session}"]')`);
  } finally {
    await wd('DELETE', `/session/${s}`).catch(() => {});
  }
  step('done');
})().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
