// Signing in: a page asks for a session first, a wrong token is refused, the right one lands on
// the page asked for with a strict session cookie, and signing out ends the session.
import { scenario, signIn, shot, check, env } from './lib.mjs';

await scenario('sign in', async (open) => {
  const page = await open();
  await page.goto('/findings?status=FAIL');
  check(new URL(page.url()).pathname === '/login', `an anonymous visit goes to /login, got ${page.url()}`);
  await shot(page, '01-login');

  await page.getByLabel('API token').fill('pal_' + '0'.repeat(64));
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  check((await alert.innerText()).includes('not valid'), 'a wrong token is refused with a reason');
  check(new URL(page.url()).pathname === '/login', 'still on the sign-in page');
  await shot(page, '02-login-refused');

  await page.getByLabel('API token').fill(env('PALISADE_ADMIN_TOKEN'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/findings');
  check(new URL(page.url()).searchParams.get('status') === 'FAIL', 'back to the page asked for');

  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'palisade_session');
  check(session, 'a session cookie is set');
  check(session.httpOnly && session.sameSite === 'Strict' && session.secure, `cookie flags: ${JSON.stringify(session)}`);
  check(!(await page.evaluate(() => document.cookie)).includes('palisade_session'), 'scripts cannot read the session');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/login');
  check((await page.getByRole('status').innerText()).includes('signed out'), 'says it signed out');
  await page.goto('/');
  check(new URL(page.url()).pathname === '/login', 'the session is gone');
  await signIn(page, env('PALISADE_ADMIN_TOKEN'));
  check(new URL(page.url()).pathname === '/', 'signed in again');
});
