// Tenant isolation in the browser (issue 6 acceptance): the admin (first context) has
// issues in tenants Acme and Globex; a member of Globex only, signed in in a second
// browser context, sees Globex's issue in the inbox, none of Acme's, and gets "not
// found" for an Acme issue's page.
'use strict';

const { launch, page, step, run, api, signIn } = require('./browser.cjs');

const adminEmail = process.env.AIOPS_ADMIN_EMAIL;
const adminPassword = process.env.AIOPS_ADMIN_PASSWORD;
const memberEmail = 'member@example.com';
const memberPassword = 'member-password-123';

run(async () => {
  const browser = await launch();
  try {
    const admin = await page(browser);
    const acmeIssue = await step('the admin seeds two tenants and a member', async () => {
      await signIn(admin, adminEmail, adminPassword);
      const ids = {};
      for (const t of ['Acme', 'Globex']) {
        await api(admin, 'POST', '/tenants', { name: t });
        const slug = t.toLowerCase();
        const project = await api(admin, 'POST', '/projects', {
          tenant: slug,
          name: 'app',
          repo_url: `https://example.com/${slug}.git`,
        });
        const issue = await api(admin, 'POST', '/issues', { project: project.id, title: `${t} secret plan` });
        ids[slug] = issue.id;
      }
      const member = await api(admin, 'POST', '/users', {
        email: memberEmail,
        password: memberPassword,
        role: 'member',
      });
      await api(admin, 'PUT', `/tenants/globex/members/${member.id}`);
      return ids.acme;
    });

    const member = await page(browser);
    await step('the member sees Globex only', async () => {
      await signIn(member, memberEmail, memberPassword);
      await member.getByTestId('inbox-row').filter({ hasText: 'Globex secret plan' }).waitFor();
      const rows = await member.getByTestId('inbox-row').allInnerTexts();
      if (rows.length !== 1 || rows.some((r) => r.includes('Acme'))) {
        throw new Error(`the member's inbox: ${JSON.stringify(rows)}`);
      }
    });

    await step("an Acme issue's page is not found for the member", async () => {
      await member.goto(`/issues/${acmeIssue}`);
      await member.getByTestId('not-found').waitFor();
      const text = await member.locator('body').innerText();
      if (text.includes('Acme secret plan')) throw new Error('the Acme issue leaked into the page');
    });
  } finally {
    await browser.close();
  }
});
