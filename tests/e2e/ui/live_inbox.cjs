// The live inbox across browsers (issue 20, item 4): what one browser does to issues
// reaches the inbox and the issue page open in a second browser (its own cookies and
// event stream) without a reload — a new issue on top, a new title, a session's tool and
// state on the row and its end, the close, and a comment on the issue page. The time
// from each write's answer to the second browser's row is printed, not asserted
// (scripts/bench/ui.sh measures it).
'use strict';

const { launch, page, step, run, api, signIn } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;
const repo = process.env.AIOPS_REPO;

run(async () => {
  const browser = await launch();
  try {
    const writer = await page(browser);
    const reader = await page(browser);
    const row = (id) => reader.locator(`[data-testid="inbox-row"][data-issue-id="${id}"]`);
    const reloads = [];
    reader.on('framenavigated', (f) => f === reader.mainFrame() && reloads.push(f.url()));
    /** Runs `write` in the writer, then waits for `seen` in the reader; prints the lag. */
    const live = async (what, write, seen) => {
      const out = await write();
      const t0 = Date.now();
      await seen(out);
      process.stdout.write(`live: ${what} in ${Date.now() - t0} ms\n`);
      return out;
    };

    const project = await step('two browsers signed in; the reader on the inbox', async () => {
      await signIn(writer, email, password);
      await signIn(reader, email, password);
      await api(writer, 'POST', '/tenants', { name: 'Acme' });
      return api(writer, 'POST', '/projects', { tenant: 'acme', name: 'demo', repo_url: repo });
    });
    const navigations = reloads.length;

    const issue = await step('a new issue appears on top of the other inbox', () =>
      live(
        'issue.created',
        () => api(writer, 'POST', '/issues', { project: project.id, title: 'Live one' }),
        (i) => row(i.id).filter({ hasText: 'Live one' }).waitFor(),
      ),
    );

    await step('a new title replaces the row in place', () =>
      live(
        'issue.updated',
        () => api(writer, 'PATCH', `/issues/${issue.id}`, { title: 'Live one, renamed' }),
        () => row(issue.id).filter({ hasText: 'Live one, renamed' }).waitFor(),
      ),
    );

    const session = await step('a session on it shows its tool and state on the row', () =>
      live(
        'session.state',
        async () => (await api(writer, 'POST', `/issues/${issue.id}/work`, { tool: 'shell' })).session,
        () => row(issue.id).getByTestId('inbox-row-session').filter({ hasText: 'shell' }).waitFor(),
      ),
    );

    await step('killed, the session leaves the row', () =>
      live(
        'session.state (killed)',
        () => api(writer, 'POST', `/sessions/${session.id}/kill`),
        () => row(issue.id).getByTestId('inbox-row-session').waitFor({ state: 'detached' }),
      ),
    );

    await step('closed, the row says so', () =>
      live(
        'issue.closed',
        () => api(writer, 'POST', `/issues/${issue.id}/close`),
        () => row(issue.id).filter({ hasText: 'Closed' }).waitFor(),
      ),
    );

    await step('no reload happened in the reader', async () => {
      if (reloads.length !== navigations) throw new Error(`the reader navigated: ${reloads.slice(navigations)}`);
    });

    await step('a comment appears on the issue page in the other browser', async () => {
      await row(issue.id).click();
      await reader.getByTestId('issue-title').filter({ hasText: 'Live one, renamed' }).waitFor();
      await live(
        'issue.commented',
        () => api(writer, 'POST', `/issues/${issue.id}/comments`, { body: 'Seen from afar' }),
        () => reader.getByTestId('comment').filter({ hasText: 'Seen from afar' }).waitFor(),
      );
    });
    writer.assertNoErrors();
    reader.assertNoErrors();
  } finally {
    await browser.close();
  }
});
