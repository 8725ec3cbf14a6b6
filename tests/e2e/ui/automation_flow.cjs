// A project's Automation tab in the browser (issue 19): an admin adds a local target
// (inventory `localhost,`) through the form, tests it, and starts a run of a playbook
// from the project's repository (AIOPS_REPO has `site.yml`: hosts localhost, connection
// local, a debug task, a pause) with extra vars checked as JSON. The run page follows the
// log live (the first task's output shows while the run is still going), with ansible's
// colours as styled spans, to the play recap and `succeeded`; the
// tab's history then lists the run as succeeded. Stop ends a long run as cancelled.
// Then "Run playbook" on the session's page runs the same playbook from the worktree
// (the session's issue filled in) and lands on that run's page; the issue gets a
// comment linking the run. On the way: the target form's own checks for a
// Semaphore target, and a vault password stored through Edit.
// Screenshots of the tab and the run page, light and dark.
'use strict';

const { launch, page, screenshot, step, run, api } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;
const repo = process.env.AIOPS_REPO;

/** Longest a playbook run may take on a loaded 2-core machine. */
const RUN_WAIT = 90_000;

/** Waits for the run page's log to show the play recap with `message` (the debug
 *  task's) and the run to succeed; answers the run's id. */
async function runSucceeds(p, message) {
  const tid = (id) => p.getByTestId(id);
  await p.waitForURL(/\/automation\/runs\/\d+$/);
  // The playbook pauses after printing the message: the log shows it while it runs.
  await tid('run-log').filter({ hasText: message }).waitFor({ timeout: RUN_WAIT });
  const state = await tid('run-page').getAttribute('data-state');
  if (state !== 'running') throw new Error(`the message showed only once the run was ${state}: the log is not live`);
  await tid('run-log').filter({ hasText: 'PLAY RECAP' }).waitFor({ timeout: RUN_WAIT });
  const page = p.locator('[data-testid="run-page"][data-state="succeeded"]');
  try {
    await page.waitFor({ timeout: RUN_WAIT });
  } catch (e) {
    const state = await tid('run-page').getAttribute('data-state');
    const log = await tid('run-log').innerText();
    throw new Error(`the run did not succeed (state ${state}); its log:\n${log}`);
  }
  await tid('job-state').filter({ hasText: 'Succeeded' }).waitFor();
  const log = await tid('run-log').innerText();
  if (!log.includes(message)) throw new Error(`the debug task's message is not in the log:\n${log}`);
  if (/\x1b|\[0;3\dm/.test(log)) throw new Error(`raw escape codes show in the log:\n${log}`);
  return Number(/\/automation\/runs\/(\d+)$/.exec(p.url())[1]);
}

run(async () => {
  const browser = await launch();
  try {
    const p = await page(browser);
    const tid = (id) => p.getByTestId(id);
    p.on('dialog', (d) => d.accept());

    const { project, issue, session } = await step('sign in; a project on the repository, and a shell session that makes the base clone', async () => {
      await p.goto('/');
      await tid('login-email').fill(email);
      await tid('login-password').fill(password);
      await tid('login-submit').click();
      await tid('inbox-list').waitFor();
      await api(p, 'POST', '/tenants', { name: 'Acme' });
      const project = await api(p, 'POST', '/projects', { tenant: 'acme', name: 'demo', repo_url: repo });
      const issue = await api(p, 'POST', '/issues', { project: project.id, title: 'Deploy to staging' });
      const started = await api(p, 'POST', `/issues/${issue.id}/work`, { tool: 'shell' });
      return { project, issue, session: started.session };
    });

    await step('the Automation tab starts empty; an admin adds a local target through the form', async () => {
      await p.goto(`/projects/${project.id}`);
      await tid('project-tab-automation').click();
      await p.waitForURL(/tab=automation/);
      await tid('targets-empty').waitFor();
      await tid('target-new').click();
      await tid('target-dialog').waitFor();
      await tid('target-name').fill('here');
      if ((await tid('target-kind').inputValue()) !== 'local') throw new Error('a new target is not local by default');
      await tid('target-inventory').fill('localhost,');
      await tid('target-submit').click();
      await tid('target-dialog').waitFor({ state: 'hidden' });
      const row = tid('target-row').filter({ hasText: 'here' });
      await row.waitFor();
      await row.filter({ hasText: 'localhost,' }).waitFor();
    });

    await step('a Semaphore target needs its URL, project and token before it is sent', async () => {
      await tid('target-new').click();
      await tid('target-dialog').waitFor();
      await tid('target-kind').selectOption('semaphore');
      await tid('target-name').fill('semaphore');
      await tid('target-submit').click();
      for (const why of [/URL/, /project/, /token/]) await tid('field-error').filter({ hasText: why }).waitFor();
      await p.keyboard.press('Escape');
      await tid('target-dialog').waitFor({ state: 'hidden' });
      if ((await tid('target-row').count()) !== 1) throw new Error('a refused target was added anyway');
    });

    await step('Edit stores a vault password, which the row then mentions (never shows)', async () => {
      await tid('target-edit').click();
      await tid('target-dialog').waitFor();
      await tid('target-vault').fill('s3cret-vault');
      await tid('target-submit').click();
      await tid('target-dialog').waitFor({ state: 'hidden' });
      await tid('target-row').filter({ hasText: 'vault password stored' }).waitFor();
      if ((await p.content()).includes('s3cret-vault')) throw new Error('the vault password shows in the page');
    });

    await step('Test says ansible-playbook answers', async () => {
      await tid('target-test').click();
      await tid('target-test-result').filter({ hasText: /Works/ }).waitFor({ timeout: 30_000 });
    });

    await step('extra vars that are not a JSON object are refused before sending', async () => {
      await tid('run-playbook').fill('site.yml');
      await tid('run-extra-vars').fill('["not", "an object"]');
      await tid('run-submit').click();
      await tid('field-error').filter({ hasText: /JSON object/ }).waitFor();
      if (!/tab=automation/.test(p.url())) throw new Error('the form was sent anyway');
      await tid('run-extra-vars').fill('{"greeting": "hello from aiops"}');
      await tid('field-error').filter({ hasText: /JSON/ }).waitFor({ state: 'detached' });
    });

    await step('screenshots of the Automation tab', async () => {
      await p.setViewportSize({ width: 1280, height: 1500 });
      await p.evaluate(() => window.scrollTo(0, 0));
      for (const scheme of ['light', 'dark']) {
        await p.emulateMedia({ colorScheme: scheme });
        await screenshot(p, `automation-tab-${scheme}`);
      }
      await p.emulateMedia({ colorScheme: 'light' });
      await p.setViewportSize({ width: 1280, height: 800 });
    });

    const runId = await step('Start run opens the run page, whose log streams to the play recap and success', async () => {
      await tid('run-submit').click();
      const id = await runSucceeds(p, 'hello from aiops');
      const colored = await tid('run-log').locator('span[class*="fg-"]').count();
      if (!colored) throw new Error('no coloured spans in the log: the ANSI colours were not rendered');
      await p.getByTestId('run-playbook-name').filter({ hasText: 'site.yml' }).waitFor();
      if (await tid('run-stop').count()) throw new Error('Stop still shows on a run that ended');
      return id;
    });

    await step('screenshots of the run page', async () => {
      for (const scheme of ['light', 'dark']) {
        await p.emulateMedia({ colorScheme: scheme });
        await screenshot(p, `automation-run-${scheme}`);
      }
      await p.emulateMedia({ colorScheme: 'light' });
    });

    await step('the run page loads on its own (the link the server posts) and the history lists the run', async () => {
      await p.goto(`/automation/runs/${runId}`);
      await p.locator('[data-testid="run-page"][data-state="succeeded"]').waitFor();
      await tid('run-log').filter({ hasText: 'PLAY RECAP' }).waitFor();
      await p.goto(`/projects/${project.id}?tab=automation`);
      await p.locator(`[data-testid="run-row"][data-run="${runId}"][data-state="succeeded"]`).waitFor();
    });

    await step('Stop ends a running run as cancelled', async () => {
      await p.goto(`/projects/${project.id}?tab=automation`);
      await tid('run-playbook').fill('site.yml');
      await tid('run-extra-vars').fill('{"greeting": "a long one", "pause": 120}');
      await tid('run-submit').click();
      await p.waitForURL(/\/automation\/runs\/\d+$/);
      await tid('run-log').filter({ hasText: 'a long one' }).waitFor({ timeout: RUN_WAIT });
      await tid('run-stop').click();
      await p.locator('[data-testid="run-page"][data-state="cancelled"]').waitFor({ timeout: 30_000 });
      await tid('job-state').filter({ hasText: 'Cancelled' }).waitFor();
      await tid('run-stop').waitFor({ state: 'detached' });
    });

    await step("Run playbook on the session's page runs it from the worktree", async () => {
      await p.goto(`/sessions/${session.id}`);
      await tid('session-run-playbook').click();
      await tid('run-playbook-dialog').waitFor();
      await tid('run-playbook').fill('site.yml');
      await tid('run-extra-vars').fill('{"greeting": "hello from the worktree"}');
      await screenshot(p, 'automation-session-dialog');
      await tid('run-submit').click();
      const id = await runSucceeds(p, 'hello from the worktree');
      if (id === runId) throw new Error('no new run was started');
      const run = await api(p, 'GET', `/automation/runs/${id}`);
      if (run.session_id !== session.id) throw new Error(`the run is not linked to the session: ${JSON.stringify(run)}`);
      if (run.issue_id !== issue.id) throw new Error(`the session's issue was not filled in: ${JSON.stringify(run)}`);
      await tid('run-log').filter({ hasText: `commented on issue ${issue.id}` }).waitFor();
      const view = await api(p, 'GET', `/issues/${issue.id}/view`);
      if (!view.comments.some((c) => c.body.includes(`/automation/runs/${id}`)))
        throw new Error(`no comment on the issue links the run: ${JSON.stringify(view.comments)}`);
    });

    await step('the session ends', async () => {
      await api(p, 'POST', `/sessions/${session.id}/kill`);
    });
    p.assertNoErrors();
  } finally {
    await browser.close();
  }
});
