// Findings: filtering by severity and account, sorting by a column, CSV export of the same
// selection, and suppressing one finding (marked, and hidden from the unsuppressed view).
import { nav, scenario, signIn, shot, check, env, download, rowData } from './lib.mjs';

const account = env('PALISADE_ACCOUNT_ID');
const SEVERITIES = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

await scenario('findings', async (open) => {
  const page = await open();
  await signIn(page, env('PALISADE_ADMIN_TOKEN'));
  await nav(page, 'Findings');
  const all = await page.locator('#findings tbody tr').count();
  check(all > 0, 'failing findings are listed by default');
  const statuses = await page.locator('#findings tbody tr td:nth-child(2) .badge').allInnerTexts();
  check(statuses.every((s) => s === 'FAIL'), `the default view is failing findings: ${statuses}`);
  await shot(page, '20-findings');

  // Filter: at least HIGH, in the account.
  await page.getByLabel('Severity at least', { exact: true }).selectOption('HIGH');
  await page.getByLabel('Account', { exact: true }).selectOption(account);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL((u) => u.searchParams.get('min_severity') === 'HIGH');
  const severities = await page.locator('#findings tbody tr td:first-child .badge').allInnerTexts();
  check(severities.length > 0 && severities.length <= all, `filtered rows: ${severities.length} of ${all}`);
  check(severities.every((s) => SEVERITIES.indexOf(s) >= SEVERITIES.indexOf('HIGH')), `only HIGH and above: ${severities}`);
  await shot(page, '21-findings-filtered');

  // Sort by resource, then the other way.
  await page.locator('th a[data-sort="resource"]').click();
  await page.waitForURL((u) => u.searchParams.get('sort') === 'resource');
  const up = await rowData(page, '#findings', 'data-resource');
  check(JSON.stringify(up) === JSON.stringify([...up].sort()), `ascending by resource: ${up}`);
  check((await page.locator('th[aria-sort="ascending"]').count()) === 1, 'the sorted column says so');
  await page.locator('th a[data-sort="resource"]').click();
  await page.waitForURL((u) => u.searchParams.get('dir') === 'desc');
  const down = await rowData(page, '#findings', 'data-resource');
  check(JSON.stringify(down) === JSON.stringify([...up].reverse()), 'descending is the reverse');

  // CSV of the same selection.
  const csv = await download(page, page.locator('#export-csv'));
  const lines = csv.text.trim().split('\n');
  check(lines[0].startsWith('policy_id,title,severity,status,resource_id'), `CSV header: ${lines[0]}`);
  check(lines.length - 1 === down.length, `one CSV row per listed finding: ${lines.length - 1} vs ${down.length}`);
  check(lines.slice(1).every((l) => /,(HIGH|CRITICAL),FAIL,/.test(l)), 'the CSV has the filter applied');

  // Suppress the first one.
  const first = page.locator('#findings tbody tr').first();
  const [policy, resource] = [await first.getAttribute('data-policy'), await first.getAttribute('data-resource')];
  await first.getByRole('link', { name: /^Suppress/ }).click();
  await page.waitForURL((u) => u.pathname === '/suppressions/new');
  check((await page.getByLabel('Resources', { exact: true }).inputValue()) === resource, 'the pattern starts as the resource id');
  await page.getByLabel('Reason', { exact: true }).fill('Accepted in the UI test: a public demo bucket.');
  const expires = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
  await page.getByLabel('Expires (optional)').fill(expires);
  await shot(page, '22-suppress');
  await page.getByRole('button', { name: 'Suppress' }).click();
  await page.waitForURL((u) => u.pathname === '/findings' && u.searchParams.get('notice') === 'suppressed');
  const row = page.locator(`#findings tbody tr[data-policy="${policy}"][data-resource="${resource}"]`);
  check((await row.locator('.badge.st-suppressed').count()) === 1, 'the finding is marked suppressed');
  await shot(page, '23-findings-suppressed');

  await page.goto(`/findings?status=FAIL&suppressed=false&policy_id=${encodeURIComponent(policy)}`);
  check((await page.locator(`#findings tbody tr[data-resource="${resource}"]`).count()) === 0, 'hidden when suppressed ones are hidden');
  await page.goto('/suppressions');
  check((await page.locator('#suppressions').innerText()).includes('Accepted in the UI test'), 'listed with its reason');
  await shot(page, '24-suppressions');
});
