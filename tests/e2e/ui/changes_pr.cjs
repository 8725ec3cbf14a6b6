// The ship row against a project linked to (fake) GitHub (issue 20, item 3): the agent's
// commit and edits are staged, committed and pushed; Open PR comes prefilled from the
// issue and the commits (draft toggle off), the pull request shows in the row with its
// checks and mergeability; Merge
// uses the project's method; Close issue closes it. The Rust side checks the fake.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { launch, page, step, run, api } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;
const sessionId = process.env.AIOPS_SESSION;
const issueId = process.env.AIOPS_ISSUE;

const git = (args) => execFileSync('git', args, { encoding: 'utf8' }).trim();

/** A ship step that did not report done: with the row's error, if it shows one. */
async function shipErrorOf(p, e) {
  const shown = await p.getByTestId('ship-error').textContent({ timeout: 100 }).catch(() => '(none)');
  throw new Error(`${e.message}\nship error: ${shown}`);
}

run(async () => {
  const browser = await launch();
  try {
    const p = await page(browser);
    const tid = (id) => p.getByTestId(id);
    const shipError = (e) => shipErrorOf(p, e);
    const listed = (f) => p.locator(`[data-testid="changes-file"][data-path="${f}"]`);

    const { session, issue } = await step('sign in; the session page of the linked project’s issue', async () => {
      await p.goto('/');
      await tid('login-email').fill(email);
      await tid('login-password').fill(password);
      await tid('login-submit').click();
      await tid('inbox-list').waitFor();
      const session = await api(p, 'GET', `/sessions/${sessionId}`);
      const issue = await api(p, 'GET', `/issues/${issueId}`);
      const wt = session.worktree_path;
      fs.appendFileSync(git(['-C', wt, 'rev-parse', '--path-format=absolute', '--git-path', 'info/exclude']), 'go*\ngot-review.txt\n');
      await p.goto(`/sessions/${sessionId}`);
      await tid('changes-empty').waitFor();
      return { session, issue };
    });
    const trigger = (name) => fs.writeFileSync(path.join(session.worktree_path, name), '');

    await step('Open PR waits for a push (the project is linked)', async () => {
      await tid('ship-why-pr').filter({ hasText: 'Push the branch first.' }).waitFor();
    });

    await step('the agent’s work: stage all, commit, push', async () => {
      trigger('go1');
      await listed('README.md').waitFor();
      trigger('go2');
      await listed('greet.py').waitFor();
      await listed('AGENTS.md').waitFor();
      await tid('ship-stage-all').click();
      await tid('ship-commit').filter({ hasText: 'Commit 3 files' }).waitFor();
      await tid('ship-commit').filter({ hasText: 'Commit 3 files' }).click();
      await tid('ship-done').filter({ hasText: /committed/i }).waitFor().catch(shipError);
      await tid('ship-push').filter({ hasText: 'Push 2' }).click();
      await tid('ship-done').filter({ hasText: /pushed/i }).waitFor().catch(shipError);
    });

    await step('Open PR is prefilled from the issue and the commits, and opens it', async () => {
      await tid('ship-open-pr').click();
      await tid('open-pr-form').waitFor();
      const title = await tid('pr-title').inputValue();
      if (title !== issue.title) throw new Error(`title ${title}`);
      const body = await tid('pr-description').inputValue();
      if (!body.includes('- Describe the demo') || !body.includes(`Closes ${issue.external_id}`)) throw new Error(`body ${body}`);
      if (await tid('pr-draft').isChecked()) throw new Error('draft by default');
      await tid('pr-submit').click();
      await tid('open-pr-done').waitFor();
      await p.keyboard.press('Escape');
      await tid('ship-pull')
        .filter({ hasText: /#\d+ · open/ })
        .waitFor()
        .catch(async (e) => {
          const pulls = await api(p, 'GET', `/projects/${session.project_id}/pulls?state=all`);
          throw new Error(`${e.message}\npulls: ${JSON.stringify(pulls)}\nbranch ${session.branch}`);
        });
      await tid('ship-why-pr').filter({ hasText: /Pull request #\d+ is open\./ }).waitFor();
      // What GitHub says of it: its checks (one done, one running) and that it merges.
      await tid('ship-checks').filter({ hasText: 'checks running: 1 of 2' }).waitFor();
      await tid('ship-mergeable').waitFor();
    });

    await step('Merge with the project’s method', async () => {
      await tid('ship-merge').click();
      if ((await tid('merge-method').inputValue()) !== 'merge') throw new Error('not the project’s method');
      await tid('merge-submit').click();
      await tid('ship-pull').filter({ hasText: 'merged' }).waitFor();
      await tid('ship-why-merge').filter({ hasText: 'No open pull request' }).waitFor();
    });

    await step('Close issue', async () => {
      await tid('ship-close-issue').click();
      await tid('ship-why-close').filter({ hasText: 'The issue is closed.' }).waitFor();
    });
    p.assertNoErrors();
  } finally {
    await browser.close();
  }
});
