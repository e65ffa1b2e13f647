// A read-only session can look at everything and change nothing: no admin form is shown, the
// wizard is refused, and a form POST made anyway (with the session's own CSRF token) is a 403.
import { scenario, signIn, shot, check, env } from './lib.mjs';

await scenario('read-only session', async (open) => {
  const page = await open();
  await signIn(page, env('PALISADE_READ_TOKEN'));
  check((await page.locator('.role').innerText()) === 'read-only', 'the header says read-only');
  for (const path of ['/', '/sources', '/resources', '/findings?status=any', '/policies', '/suppressions', '/scans']) {
    await page.goto(path);
    const posts = await page.locator('form[method="post"]').evaluateAll((f) => f.map((x) => x.getAttribute('action')));
    check(JSON.stringify(posts) === '["/logout"]', `${path}: only the sign-out form, got ${posts}`);
  }
  await page.goto('/sources');
  check((await page.getByRole('link', { name: 'Add Account' }).count()) === 0, 'no Add Account');
  await page.goto('/findings?status=any');
  check((await page.getByRole('link', { name: /^Suppress/ }).count()) === 0, 'no Suppress actions');
  await shot(page, '30-readonly-findings');

  const wizard = await page.goto('/sources/new');
  check(wizard.status() === 403, `the wizard is refused: ${wizard.status()}`);
  check((await page.locator('main').innerText()).includes('read-only'), 'and says why');
  await shot(page, '31-readonly-refused');

  // Submitting anyway, with this session's valid CSRF token: still refused, nothing stored.
  await page.goto('/');
  const csrf = await page.locator('form[action="/logout"] input[name="csrf"]').inputValue();
  const policy = 'AWS.S3.Bucket.Encryption';
  const forms = [
    ['/suppressions', { csrf, policy_id: policy, resource_pattern: '*', reason: 'read-only attempt' }],
    [`/policies/${policy}/disable`, { csrf }],
    ['/sources', { csrf, name: 'ro', account_id: '210987654321', label: 'Dev', external_id: 'abcdef0123456789' }],
  ];
  for (const [action, form] of forms) {
    const res = await page.request.post(action, { form, maxRedirects: 0 });
    check(res.status() === 403, `POST ${action} by a read-only session: ${res.status()}`);
  }
  await page.goto('/suppressions');
  check(!(await page.locator('main').innerText()).includes('read-only attempt'), 'nothing was stored');
  await page.goto(`/policies/${policy}`);
  check((await page.locator('.state .chip').innerText()) === 'enabled', 'the policy is still enabled');
});
