// Admin → System in the browser: the status panel shows the server's version; a backup
// made through the form with a description is followed live (its output ends with the
// job saying it wrote the archive, its state succeeded), then listed with that
// description, counted in the status and in the recent jobs (whose row opens the same
// output), and its Download link serves the archive's bytes with the session cookie
// alone. Restoring it (confirmed) is followed until the server has restarted, and the
// page loads again by itself; so does a confirmed Restart. Deleting it (confirmed)
// empties the list again. Last, Update on a server without an update_url shows the
// server's refusal instead of a job.
'use strict';

const { launch, page, screenshot, step, run } = require('./browser.cjs');

const email = process.env.AIOPS_ADMIN_EMAIL;
const password = process.env.AIOPS_ADMIN_PASSWORD;
const description = 'before the e2e upgrade';

/** Waits until `check()` holds (checked every 200 ms), else fails with `why()`. */
async function until(check, why, ms = 15_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(await why());
    await new Promise((r) => setTimeout(r, 200));
  }
}

run(async () => {
  const browser = await launch();
  try {
    const p = await page(browser);
    const tid = (id) => p.getByTestId(id);
    p.on('dialog', (d) => d.accept());

    await step('sign in and open Admin → System', async () => {
      await p.goto('/');
      await tid('login-email').fill(email);
      await tid('login-password').fill(password);
      await tid('login-submit').click();
      await tid('inbox-list').waitFor();
      await p.goto('/admin?tab=system');
      await tid('system-status').waitFor();
      const version = (await tid('status-version').innerText()).trim();
      if (!/^\d+\.\d+\.\d+/.test(version)) throw new Error(`the status shows version ${JSON.stringify(version)}`);
      await tid('backups-empty').waitFor();
    });

    const id = await step('a backup made through the form is followed until it says it wrote the archive', async () => {
      await tid('backup-description').fill(description);
      await tid('backup-submit').click();
      const job = p.locator('[data-testid="backup-job"][data-state="succeeded"]');
      await job.waitFor({ timeout: 60_000 });
      const log = await job.getByTestId('job-log').innerText();
      const wrote = /wrote (aiops-backup-\S+) \(\d+ bytes\)/.exec(log);
      if (!wrote) throw new Error(`the job's output does not say it wrote the archive:\n${log}`);
      if ((await tid('backup-description').inputValue()) !== '') throw new Error('the description stayed in the form');
      return wrote[1];
    });

    await step('the backup is listed with its description, in the status and in the recent jobs', async () => {
      const row = p.locator(`[data-testid="backup-row"][data-id="${id}"]`);
      await row.waitFor();
      const shown = (await row.getByTestId('backup-description-text').innerText()).trim();
      if (shown !== description) throw new Error(`listed description ${JSON.stringify(shown)}`);
      await until(async () => /^1 · last\b/.test((await tid('status-backups').innerText()).trim()), async () =>
        `the status says backups: ${await tid('status-backups').innerText()}`);
      const jobRow = p.locator('[data-testid="job-row"][data-kind="backup"]');
      await jobRow.getByTestId('job-state').and(p.locator('[data-state="succeeded"]')).waitFor();
      await jobRow.getByRole('button').click();
      const output = tid('job-dialog').getByTestId('job-log');
      await output.filter({ hasText: `wrote ${id}` }).waitFor();
      await tid('job-dialog').getByRole('button', { name: 'Close' }).click();
      await tid('job-dialog').waitFor({ state: 'hidden' });
      await screenshot(p, 'admin-system');
      p.assertNoErrors();
    });

    await step("the Download link serves the archive with the session cookie", async () => {
      const row = p.locator(`[data-testid="backup-row"][data-id="${id}"]`);
      const href = await row.getByTestId('backup-download').getAttribute('href');
      if (href !== `/api/v1/system/backups/${id}/download`) throw new Error(`download link ${href}`);
      const got = await p.evaluate(async (u) => {
        const r = await fetch(u);
        const b = new Uint8Array(await r.arrayBuffer());
        return { status: r.status, size: b.length, gzip: b[0] === 0x1f && b[1] === 0x8b };
      }, href);
      if (got.status !== 200 || got.size === 0 || !got.gzip) {
        throw new Error(`download answered ${JSON.stringify(got)} (want 200 and a gzip archive)`);
      }
    });

    // The restart drops connections the browser logs as errors: no log check after it.
    await step('Restore (confirmed) is followed; the page says restarting, then that the server is back', async () => {
      const before = (await tid('status-version').innerText()).trim();
      const row = p.locator(`[data-testid="backup-row"][data-id="${id}"]`);
      await row.getByTestId('backup-restore').click();
      await tid('restore-dialog').getByTestId('restore-confirm').click();
      await tid('restore-dialog').waitFor({ state: 'hidden' });
      await p.locator('[data-testid="backup-job"]').filter({ hasText: 'Restoring' }).waitFor();
      await tid('system-restarted').waitFor({ timeout: 90_000 });
      if (!(await tid('system-restarted').innerText()).includes(before)) {
        throw new Error(`after the restart: ${await tid('system-restarted').innerText()}`);
      }
      // Every card loaded again: the archive is still listed (backups live beside the database).
      await p.locator(`[data-testid="backup-row"][data-id="${id}"]`).waitFor();
    });

    await step('Restart (confirmed) shows restarting, then that the server is back', async () => {
      await tid('server-restart').click();
      await tid('restart-dialog').getByTestId('restart-confirm').click();
      await tid('system-restarting').waitFor();
      await tid('system-restarted').waitFor({ timeout: 90_000 });
      await tid('system-status').waitFor();
    });

    await step('a confirmed Delete removes it from the list', async () => {
      const row = p.locator(`[data-testid="backup-row"][data-id="${id}"]`);
      await row.getByTestId('backup-delete').click();
      await row.waitFor({ state: 'detached' });
      await tid('backups-empty').waitFor();
    });

    // The refused POST (409) is logged by the browser on purpose: no log check after it.
    await step("Update without an update_url shows the server's refusal, no job", async () => {
      await tid('server-update').click();
      const refusal = tid('update-refused');
      await refusal.waitFor();
      if (!(await refusal.innerText()).trim()) throw new Error('the refusal is empty');
      if (await tid('update-job').count()) throw new Error('an update job is shown after a refusal');
    });
  } finally {
    await browser.close();
  }
});
