import { Browser, Page } from 'playwright-core';

import { STAND_IN_PASSWORD } from '../stack/passly-stand-in';

/** On the stand-in's login form (Keycloak's theme for the passly realm), sign in as the given user. */
export async function signInAtStandIn(page: Page, username: string, password = STAND_IN_PASSWORD): Promise<void> {
  await page.waitForURL(/\/realms\/passly\/(protocol\/saml|login-actions)/, { timeout: 30_000 });
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#kc-login');
}

/** Waits until the page shows the text (the page may still be redirecting), then returns the page's visible text. */
export async function waitForText(page: Page, text: string | RegExp, timeout = 30_000): Promise<string> {
  await page.getByText(text).first().waitFor({ timeout });
  return page.locator('body').innerText();
}

/** In a fresh browser context, opens a broker realm's account console and signs in at the stand-in. */
export async function loginAtAccountConsole(browser: Browser, baseUrl: string, realm: string, username: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${baseUrl}/realms/${realm}/account`);
  await signInAtStandIn(page, username);
  return page;
}

/** Waits until the account console shows its first page: Keycloak finished the login. */
export async function expectAccountConsole(page: Page, baseUrl: string, realm: string): Promise<void> {
  await page.waitForURL(`${baseUrl}/realms/${realm}/account**`, { timeout: 30_000 });
  await page.getByText('Personal info').first().waitFor({ timeout: 30_000 });
}
