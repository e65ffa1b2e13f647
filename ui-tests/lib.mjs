// Shared by the browser tests of Palisade's web UI: Debian's chromium driven by playwright-core.
// crates/cli/tests/ui.rs starts `palisade serve` against the AWS emulator and runs each script
// with these variables set:
//   PALISADE_URL           the server, e.g. http://127.0.0.1:40123
//   PALISADE_ADMIN_TOKEN   an admin API token
//   PALISADE_READ_TOKEN    a read-only API token
//   PALISADE_ACCOUNT_ID    an emulator account with planted resources, not yet a source
//   PALISADE_SCREENSHOTS   the folder full-page screenshots are saved to
//   CHROMIUM               the browser (default /usr/bin/chromium)
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through crates/cli/tests/ui.rs`);
  return value;
}

export const BASE = env('PALISADE_URL');
const SHOTS = env('PALISADE_SCREENSHOTS');

/** Fails the scenario with a message. */
export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** Runs one scenario in a fresh headless browser; any failure, page error or CSP violation fails it. */
export async function scenario(name, body) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  // --no-sandbox: the tests run as root in CI, where Chromium's sandbox cannot start.
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  const problems = [];
  const open = async () => {
    const context = await browser.newContext({ baseURL: BASE, acceptDownloads: true, viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      // A Content Security Policy violation or a script error shows up here.
      if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console error on ${page.url()}: ${m.text()}`);
    });
    return page;
  };
  try {
    await body(open);
    check(problems.length === 0, `the pages reported errors:\n${problems.join('\n')}`);
    console.log(`${name}: ok`);
  } catch (e) {
    console.error(`${name}: FAILED\n${e.stack || e}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

/** Signs in with `token` through the login form and waits to leave it. */
export async function signIn(page, token) {
  await page.goto('/login');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Saves a full-page screenshot as NAME.png. */
export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Clicks `locator` and returns the text of the file it downloads. */
export async function download(page, locator) {
  const [file] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const where = await file.path();
  return { name: file.suggestedFilename(), text: fs.readFileSync(where, 'utf8') };
}

/** The `data-*` attribute of every row of a table. */
export async function rowData(page, table, attribute) {
  return page.locator(`${table} tbody tr`).evaluateAll((rows, a) => rows.map((r) => r.getAttribute(a)), attribute);
}

/** Follows a link of the main navigation. */
export async function nav(page, name) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  await page.waitForLoadState();
}
