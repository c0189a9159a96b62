import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, headless, never fetching anything of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** The window every console test uses: a laptop screen, English. */
export const newDesktopContext = (browser: Browser): Promise<BrowserContext> =>
  browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });

/** A page whose uncaught errors and dialogs (alert, confirm) are recorded, dialogs dismissed. */
export async function watchedPage(context: BrowserContext, seen: { errors: string[]; dialogs?: string[] }): Promise<Page> {
  const page = await context.newPage();
  // a bound on waiting for the page, not a speed check: a loaded machine is slow, not broken
  page.setDefaultTimeout(60_000);
  page.on('pageerror', (e) => seen.errors.push(e.message));
  page.on('dialog', (d) => {
    seen.dialogs?.push(d.message());
    void d.dismiss();
  });
  return page;
}

/** Signs in on the login page and waits to leave it. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-password').press('Enter');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}
