// The session's Changes panel (issue 20, items 1–3): a scripted agent commits one file
// and edits two more while the page is open, and each change shows without a click (the
// `session.git` event); the diff is highlighted with word-level marks, unified and side
// by side; a review comment on a line is sent and typed into the agent's pane; then the
// ship row stages, commits and pushes (checked in git), says why Open PR cannot work
// for a project without a code-host link, and closes the issue. Screenshots of the
// panel and of the review, light and dark.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { launch, page, screenshot, step, run, api, WAIT } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;
const repo = process.env.AIOPS_REPO;

/**
 * How long a change may take to show after the agent made it (event + fetch + draw):
 * the spec-wide wait, which still tells "shows by itself" from "needs a click". What it
 * took goes to changes-live-ms.txt with the screenshots; speed is for the benchmarks,
 * and a 5 s bound here failed on a loaded machine.
 */
const LIVE = WAIT;

const git = (args) => execFileSync('git', args, { encoding: 'utf8' }).trim();
const terminalText = (p) => p.getByTestId('terminal').evaluate((el) => el.readText());

/** Scrolls `selector` to the top of the window, below the app's header. */
const showTop = (p, selector) =>
  p.evaluate((sel) => {
    const el = document.querySelector(sel);
    window.scrollBy(0, el.getBoundingClientRect().top - 64);
  }, selector);

/** A ship step that did not report done: with the row's error, if it shows one. */
async function shipErrorOf(p, e) {
  const shown = await p.getByTestId('ship-error').textContent({ timeout: 100 }).catch(() => '(none)');
  throw new Error(`${e.message}\nship error: ${shown}`);
}

async function waitFor(what, test, within = WAIT) {
  const deadline = Date.now() + within;
  while (Date.now() < deadline) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}

run(async () => {
  const browser = await launch();
  try {
    const p = await page(browser);
    const tid = (id) => p.getByTestId(id);
    const shipError = (e) => shipErrorOf(p, e);
    const file = (f) => p.locator(`[data-testid="diff-file"][data-path="${f}"]`);
    const listed = (f) => p.locator(`[data-testid="changes-file"][data-path="${f}"]`);

    const { issue, session, project } = await step('sign in; a project on a local bare repository, an issue, a session', async () => {
      await p.goto('/');
      await tid('login-email').fill(email);
      await tid('login-password').fill(password);
      await tid('login-submit').click();
      await tid('inbox-list').waitFor();
      await api(p, 'POST', '/tenants', { name: 'Acme' });
      const project = await api(p, 'POST', '/projects', { tenant: 'acme', name: 'demo', repo_url: repo });
      const issue = await api(p, 'POST', '/issues', { project: project.id, title: 'Greet the world' });
      const started = await api(p, 'POST', `/issues/${issue.id}/work`, { tool: 'changer' });
      return { issue, session: started.session, project };
    });
    const wt = session.worktree_path;
    const timings = [];
    /** What the server and the pane say, for a failure message. */
    const diag = async (e) => {
      const c = await api(p, 'GET', `/sessions/${session.id}/changes`).catch((x) => String(x));
      const files = Array.isArray(c.files) ? c.files.map((f) => `${f.kind} ${f.path}`) : c;
      const s = await api(p, 'GET', `/sessions/${session.id}`).catch(() => ({}));
      throw new Error(`${e.message}\nserver changes: ${JSON.stringify(files)}\nsession: ${s.state} ${s.detail}\nterminal:\n${await terminalText(p).catch(() => '?')}`);
    };
    const trigger = (name) => fs.writeFileSync(path.join(wt, name), '');
    // The agent's trigger and answer files are not its work.
    fs.appendFileSync(git(['-C', wt, 'rev-parse', '--path-format=absolute', '--git-path', 'info/exclude']), 'go*\ngot-review.txt\n');

    await step('the session page shows the Changes panel, empty, and the ship row says why', async () => {
      await p.goto(`/sessions/${session.id}`);
      await tid('state-badge')
        .filter({ hasText: /running/i })
        .first()
        .waitFor()
        .catch(async (e) => {
          const s = await api(p, 'GET', `/sessions/${session.id}`);
          throw new Error(`${e.message}\nsession: ${JSON.stringify(s)}\nterminal: ${await terminalText(p).catch(() => '?')}`);
        });
      await tid('changes-empty').waitFor().catch(diag);
      await tid('ship-why-commit').filter({ hasText: 'Nothing staged' }).waitFor();
      await tid('ship-why-push').filter({ hasText: 'Nothing to push' }).waitFor();
    });

    await step('the agent commits README.md: it shows without a click', async () => {
      const t0 = Date.now();
      trigger('go1');
      await listed('README.md').waitFor({ timeout: LIVE }).catch(diag);
      timings.push(`commit: ${Date.now() - t0} ms`);
      await file('README.md').locator('[data-testid="file-committed"]').waitFor();
      await tid('changes-summary').filter({ hasText: '1 commit' }).waitFor();
    });

    await step('the agent edits AGENTS.md and writes greet.py: both show without a click', async () => {
      const t0 = Date.now();
      trigger('go2');
      await listed('greet.py').waitFor({ timeout: LIVE }).catch(diag);
      await listed('AGENTS.md').waitFor({ timeout: LIVE }).catch(diag);
      timings.push(`edits: ${Date.now() - t0} ms`);
      if ((await listed('greet.py').getAttribute('data-kind')) !== 'untracked') throw new Error('greet.py is not untracked');
      // Word-level: only the changed words of the AGENTS.md line are marked.
      const marks = await file('AGENTS.md').locator('mark').allTextContents();
      if (!marks.join('').includes('unit') || marks.join('').includes('Repository')) throw new Error(`word marks: ${JSON.stringify(marks)}`);
      // A binary comes collapsed, without text.
      await listed('logo.bin').filter({ hasText: 'binary' }).waitFor();
      if ((await file('logo.bin').locator('button[aria-expanded]').getAttribute('aria-expanded')) !== 'false') throw new Error('logo.bin open');
      // Highlighted (the lazily loaded highlighter): Python's `def` is a keyword.
      await file('greet.py').locator('.hljs-keyword', { hasText: 'def' }).first().waitFor();
    });

    await step('side by side shows the old line beside the new one', async () => {
      await tid('view-split').click();
      const row = file('AGENTS.md').locator('tr', { hasText: 'run the tests.' });
      await row.filter({ hasText: 'run the unit tests first.' }).first().waitFor();
    });

    await step('screenshots of the Changes panel', async () => {
      await p.setViewportSize({ width: 1280, height: 900 });
      for (const scheme of ['light', 'dark']) {
        await p.emulateMedia({ colorScheme: scheme });
        for (const view of ['unified', 'split']) {
          await tid(`view-${view}`).click();
          await showTop(p, '[data-testid="changes"]');
          await screenshot(p, `changes-${view}-${scheme}-1280x900`);
        }
      }
      await p.emulateMedia({ colorScheme: 'light' });
      await tid('view-unified').click();
      await p.setViewportSize({ width: 390, height: 844 });
      await showTop(p, '[data-testid="changes"]');
      await screenshot(p, 'changes-unified-light-390x844');
      await p.setViewportSize({ width: 1280, height: 900 });
    });

    const line = (n) => file('README.md').locator(`[data-testid="diff-line"][data-side="new"][data-line="${n}"]`);
    await step('keyboard: Enter on a line number opens the comment form, Esc closes it', async () => {
      await line(3).focus();
      await p.keyboard.press('Enter');
      await tid('review-body').waitFor();
      if (!(await tid('review-body').evaluate((el) => el === document.activeElement))) throw new Error('the form has no focus');
      await p.keyboard.press('Escape');
      await tid('review-form').waitFor({ state: 'detached' });
    });

    await step('a comment on README.md line 3 (shift-click extends) is saved as a draft', async () => {
      await tid('state-badge').filter({ hasText: /waiting/i }).first().waitFor();
      await line(2).click();
      await line(3).click({ modifiers: ['Shift'] });
      const quote = await tid('review-quote').textContent();
      if (!quote.includes('A demo project that greets.')) throw new Error(`quote: ${quote}`);
      await line(3).click();
      await tid('review-body').fill('Say whom it greets.');
      for (const scheme of ['light', 'dark']) {
        await p.emulateMedia({ colorScheme: scheme });
        await showTop(p, '[data-testid="diff-file"][data-path="README.md"]');
        await screenshot(p, `review-form-${scheme}-1280x900`);
      }
      await tid('review-save').click();
      await tid('review-item').filter({ hasText: 'Say whom it greets.' }).locator('[data-state="draft"]').waitFor();
      await tid('inline-comment').filter({ hasText: 'Say whom it greets.' }).waitFor();
      await tid('review-send').filter({ hasText: 'Send to agent (1)' }).waitFor();
    });

    await step('Send to agent types the review into the waiting agent’s pane', async () => {
      await tid('review-send').click();
      await tid('review-sent').filter({ hasText: 'typed into the agent' }).waitFor();
      await tid('review-item').locator('[data-state="sent"]').waitFor();
      await waitFor('the agent read the review', () => {
        try {
          return fs.readFileSync(path.join(wt, 'got-review.txt'), 'utf8') === 'Review of your changes (1 comment). Address each one:\n';
        } catch {
          return false;
        }
      });
      await waitFor('the pane shows the review', async () => (await terminalText(p)).includes('README.md:3'));
      for (const scheme of ['light', 'dark']) {
        await p.emulateMedia({ colorScheme: scheme });
        await showTop(p, '[data-testid="diff-file"][data-path="README.md"]');
        await screenshot(p, `review-sent-${scheme}-1280x900`);
      }
      await p.emulateMedia({ colorScheme: 'light' });
    });

    await step('resolving hides the comment unless resolved ones are shown', async () => {
      await tid('review-resolve').click();
      await tid('review-item').waitFor({ state: 'detached' });
      await tid('review-show-resolved').check();
      await tid('review-item').locator('[data-state="resolved"]').waitFor();
    });

    await step('Open PR and Merge say the project has no code-host link, naming it and linking its page', async () => {
      const why = tid('ship-why-pr');
      await why.filter({ hasText: 'acme/demo' }).filter({ hasText: 'no GitHub or GitLab link' }).waitFor();
      const href = await why.locator('a').getAttribute('href');
      if (href !== `/projects/${project.id}`) throw new Error(`the reason links ${href}`);
      if (!(await tid('ship-open-pr').isDisabled()) || !(await tid('ship-merge').isDisabled())) throw new Error('PR buttons enabled');
    });

    const message = `${issue.title} (${issue.external_id})`;
    await step('stage AGENTS.md and greet.py, commit them with the issue’s message', async () => {
      await file('AGENTS.md').getByTestId('file-stage').check();
      await waitFor('AGENTS.md staged', () => file('AGENTS.md').getByTestId('file-stage').isChecked());
      await file('greet.py').getByTestId('file-stage').check();
      await waitFor('greet.py staged', () => file('greet.py').getByTestId('file-stage').isChecked());
      if ((await tid('ship-message').inputValue()) !== message) throw new Error(`message: ${await tid('ship-message').inputValue()}`);
      await tid('ship-commit').filter({ hasText: 'Commit 2 files' }).click();
      await tid('ship-done').filter({ hasText: /committed/i }).waitFor().catch(shipError);
      const subject = git(['-C', wt, 'log', '-1', '--format=%s']);
      if (subject !== message) throw new Error(`the commit is ${subject}`);
      const filesIn = git(['-C', wt, 'show', '--name-only', '--format=', 'HEAD']).split('\n').sort();
      if (filesIn.join(',') !== 'AGENTS.md,greet.py') throw new Error(`committed ${filesIn}`);
      await tid('changes-summary').filter({ hasText: '2 commits' }).waitFor();
    });

    await step('push sends the branch to the bare origin; then nothing is left to push', async () => {
      await tid('ship-push').click();
      await tid('ship-done').filter({ hasText: /pushed/i }).waitFor().catch(shipError);
      const head = git(['-C', wt, 'rev-parse', 'HEAD']);
      const remote = git(['--git-dir', repo, 'rev-parse', `refs/heads/${session.branch}`]);
      if (remote !== head) throw new Error(`origin has ${remote}, the worktree ${head}`);
      await tid('ship-why-push').filter({ hasText: 'Nothing to push' }).waitFor();
      if (!(await tid('ship-push').isDisabled())) throw new Error('push still enabled');
    });

    await step('Close issue closes it', async () => {
      await tid('ship-close-issue').click();
      await tid('ship-why-close').filter({ hasText: 'The issue is closed.' }).waitFor();
      const after = await api(p, 'GET', `/issues/${issue.id}`);
      if (after.status !== 'closed') throw new Error(`the issue is ${after.status}`);
    });
    p.assertNoErrors();
    // From the agent's trigger to the row on screen (agent poll ≤ 100 ms, 300 ms debounce).
    const shots = process.env.AIOPS_SCREENSHOTS;
    if (shots) fs.writeFileSync(path.join(shots, 'changes-live-ms.txt'), `${timings.join('\n')}\n`);
  } finally {
    await browser.close();
  }
});
