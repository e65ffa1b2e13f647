// A screenshot of every page once the store holds a scanned account, for a reviewer to look at;
// each page must render without errors, and the policy toggle works both ways.
import { scenario, signIn, shot, check, env } from './lib.mjs';

await scenario('tour', async (open) => {
  const page = await open();
  await signIn(page, env('PALISADE_ADMIN_TOKEN'));
  const visit = async (path, name) => {
    const res = await page.goto(path);
    check(res.status() === 200, `${path}: ${res.status()}`);
    await shot(page, name);
  };
  await visit('/', '40-overview');
  const cards = await page.locator('.cards .card.total .n').innerText();
  check(Number(cards) > 0, `the overview counts failing findings (${cards})`);
  check((await page.locator('.framework').count()) > 0, 'compliance per framework');
  await visit('/sources', '41-sources');
  await visit('/sources/ui-demo', '42-source');
  await visit('/resources', '43-resources');
  await visit('/findings?status=any', '44-findings-all');
  await visit('/policies', '45-policies');
  const policy = 'AWS.S3.Bucket.Encryption';
  await visit(`/policies/${policy}`, '46-policy');
  await page.getByRole('button', { name: `Disable ${policy}` }).click();
  await page.waitForURL((u) => u.searchParams.get('notice') === 'policy_disabled');
  check((await page.locator('.state .chip').innerText()) === 'disabled', 'disabled');
  await shot(page, '47-policy-disabled');
  await page.getByRole('button', { name: `Enable ${policy}` }).click();
  await page.waitForURL((u) => u.searchParams.get('notice') === 'policy_enabled');
  check((await page.locator('.state .chip').innerText()) === 'enabled', 'enabled again');
  await visit('/suppressions', '48-suppressions');
  await visit('/scans', '49-scans');
  const scan = page.locator('#scans tbody tr a').first();
  await scan.click();
  await page.waitForURL((u) => /^\/scans\/\d+$/.test(u.pathname));
  await shot(page, '50-scan');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/login');
  await shot(page, '51-signed-out');
});
