// Sources > Add Account, end to end: the account id is checked, the role template and the
// StackSet templates download as valid CloudFormation with the wizard's ExternalId, the
// quick-create link carries it, Save Source stores the source, `serve` scans it, and its
// resources appear on the Resources page.
import { nav, scenario, signIn, shot, check, env, download } from './lib.mjs';

const account = env('PALISADE_ACCOUNT_ID');

await scenario('add account', async (open) => {
  const page = await open();
  await signIn(page, env('PALISADE_ADMIN_TOKEN'));
  await nav(page, 'Sources');
  await shot(page, '10-sources-before');
  await page.getByRole('link', { name: 'Add Account' }).click();

  // Step 1, with an account id the server refuses.
  await page.getByLabel('Name').fill('ui-demo');
  await page.getByLabel('AWS Account ID').fill('12345');
  await page.getByLabel('Label').fill('Prod');
  await page.getByLabel(/^Regions/).fill('us-east-1');
  const palisade = page.getByLabel('Palisade account ID');
  if (await palisade.count()) await palisade.fill('123456789012');
  await page.getByLabel('Real-time events').check();
  await page.getByLabel('Automatic remediation').check();
  await page.getByRole('button', { name: 'Next' }).click();
  const error = page.locator('#wizard-error');
  await error.waitFor();
  check((await error.innerText()).includes('12 digits'), 'the account id is checked');
  check((await page.getByLabel('Name').inputValue()) === 'ui-demo', 'typed values are kept');
  await shot(page, '11-wizard-invalid-account');

  await page.getByLabel('AWS Account ID').fill(account);
  await shot(page, '12-wizard-account');
  await page.getByRole('button', { name: 'Next' }).click();

  // Step 2: the templates, the link, the instructions.
  const externalId = (await page.locator('#external-id').innerText()).trim();
  check(/^[0-9a-f]{32}$/.test(externalId), `a generated ExternalId, got ${externalId}`);
  await shot(page, '13-wizard-role');
  const role = await download(page, page.locator('#download-template'));
  check(role.name === `palisade-readonly-role-${account}.json`, `template file name ${role.name}`);
  const template = JSON.parse(role.text);
  const resource = template.Resources.PalisadeReadOnlyRole;
  check(resource && resource.Type === 'AWS::IAM::Role', 'the template creates the role');
  check(template.Parameters.ExternalId.Default === externalId, 'the template requires the ExternalId shown');
  const trust = resource.Properties.AssumeRolePolicyDocument.Statement[0];
  check(JSON.stringify(trust.Condition).includes('sts:ExternalId'), 'the trust requires an ExternalId');
  for (const file of ['realtime-stackset.json', 'stackset-administrator-role.json', 'stackset-execution-role.json']) {
    const got = await download(page, page.locator(`button[data-file="${file}"]`));
    check(got.name === file && JSON.parse(got.text).Resources, `${file} is a CloudFormation template`);
  }
  check((await page.locator('#realtime-instructions').innerText()).includes('create-stack-set'), 'StackSet instructions');
  let link = await page.locator('#quick-create').getAttribute('href');
  check(link.includes('/stacks/quickcreate') && link.includes(`param_ExternalId=${externalId}`), `quick-create link ${link}`);
  await page.getByLabel(/^Template URL/).fill('https://my-templates.s3.amazonaws.com/palisade-role.json');
  await page.getByRole('button', { name: 'Update link' }).click();
  link = await page.locator('#quick-create').getAttribute('href');
  check(link.includes('my-templates.s3.amazonaws.com') && link.includes(externalId), 'the link follows the URL, same ExternalId');

  // Step 3: save; the scheduler scans it within a tick and the page follows the scan.
  await page.getByRole('button', { name: 'Save Source' }).click();
  await page.waitForURL((u) => u.pathname === '/sources/ui-demo');
  check((await page.getByRole('status').first().innerText()).includes('Source saved'), 'says the source was saved');
  await shot(page, '14-source-saved');
  await page.locator('#scan-status[data-state="completed"]').waitFor({ timeout: 180_000 });
  await shot(page, '15-source-scanned');

  await nav(page, 'Sources');
  const row = page.locator('tbody tr', { hasText: 'ui-demo' });
  check((await row.innerText()).includes(account) && (await row.innerText()).includes('completed'), 'listed with its scan');
  await shot(page, '16-sources');

  await nav(page, 'Resources');
  await page.getByLabel('Account', { exact: true }).selectOption(account);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL((u) => u.searchParams.get('account_id') === account);
  const rows = await page.locator('#resources tbody tr').count();
  check(rows > 3, `the scan's resources are listed (${rows})`);
  const bucket = env('PALISADE_FAILING_BUCKET');
  check((await page.locator('#resources').innerText()).includes(bucket), `the planted bucket ${bucket} is listed`);
  await shot(page, '17-resources');

  await page.locator('#resources').getByRole('link', { name: bucket, exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/resource');
  check((await page.locator('#attributes').innerText()).includes('{'), 'attributes shown');
  check((await page.locator('#findings tbody tr').count()) > 0, 'its findings shown');
  check((await page.locator('#history li').count()) >= 1, 'its history shown');
  await shot(page, '18-resource');
});
