import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { nanoToUsdText } from '../../src/core/money.js';
import type { LedgerRow } from '../../src/core/ledger-event.js';
import { adminKey } from '../e2e/gateway-harness.js';

export const chromiumPath = process.env.WARDEN_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const viewerKey = 'test-viewer-key-0123456789';
export const viewerKeys = [{ name: 'noc-screen', key: viewerKey }];

/**
 * Debian's Chromium, headless, without any network of its own. Playwright gives every launch a
 * fresh temporary profile (user-data dir). Missing Chromium fails the suite (CI installs it).
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`Chromium is not at ${chromiumPath}: install it (apt-get install -y chromium) or set WARDEN_TEST_CHROMIUM.`);
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** Launches Chromium once for the suite (closed after it); returns a getter for the test bodies. */
export function chromiumForSuite(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());
  return () => {
    if (browser === undefined) throw new Error('Chromium did not start; see the beforeAll error.');
    return browser;
  };
}

/** A page signed in to the panel at `url` (operator with the admin key, or viewer), with console errors collected. */
export async function openPanel(browser: Browser, options: { url: string; role: 'operator' | 'viewer'; name?: string }): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${options.url}/ui`);
  await page.waitForURL(/\/ui\/login$/);
  await page.getByLabel('Admin or viewer key').fill(options.role === 'operator' ? adminKey : viewerKey);
  if (options.name !== undefined) await page.getByLabel('Your name (optional)').fill(options.name);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/ui$/);
  await page.locator('#connection', { hasText: 'live' }).waitFor();
  return { context, page, errors };
}

/** The panel's dollar text for nano-USD (exact; at least two decimals). */
export function displayUsd(nano: number): string {
  const [whole, fraction = ''] = nanoToUsdText(nano).split('.');
  return `$${Number(whole).toLocaleString('en-US')}.${fraction.padEnd(2, '0')}`;
}

/** Sums commit costs in the ledger per `field`. */
export function ledgerSpendBy(rows: readonly LedgerRow[], field: 'team' | 'taskId'): Map<string, number> {
  const totals = new Map<string, number>();
  for (const row of rows) {
    if (row.type !== 'reservation-commit' || (row.costInNanoUsd ?? 0) === 0) continue;
    const name = row[field] ?? '(none)';
    totals.set(name, (totals.get(name) ?? 0) + (row.costInNanoUsd ?? 0));
  }
  return totals;
}

/** LLM calls per task in the ledger: answered, failed or served from cache. */
export function ledgerCallsByTask(rows: readonly LedgerRow[]): Map<string, number> {
  const calls = new Map<string, number>();
  for (const row of rows) {
    if (row.taskId === undefined || !['reservation-commit', 'reservation-release', 'cache-serve'].includes(row.type)) continue;
    calls.set(row.taskId, (calls.get(row.taskId) ?? 0) + 1);
  }
  return calls;
}

/**
 * A POST from inside the panel's page (same origin, its cookies), with or without the CSRF header
 * the page's own script would send.
 */
export function postFromPage(page: Page, options: { path: string; body: unknown; withToken: boolean }): Promise<{ status: number; body: { error?: { message: string } } }> {
  return page.evaluate(async ({ path, body, withToken }) => {
    const { document } = globalThis as unknown as { document: { cookie: string } };
    const csrf = document.cookie.split('; ').find((part) => part.startsWith('warden_csrf='))?.slice('warden_csrf='.length) ?? '';
    const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(withToken ? { 'x-warden-csrf': csrf } : {}) }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { error?: { message: string } } };
  }, options);
}
