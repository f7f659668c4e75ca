import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { BrowserContext } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, type GatewayHarness } from '../e2e/gateway-harness.js';
import { chromiumForSuite, openPanel, postFromPage, viewerKeys } from './panel-harness.js';

const chromium = chromiumForSuite();
let harness: GatewayHarness;
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  await harness?.close();
});

const ask = (openai: OpenAI, task: string) =>
  openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Next step.' }], max_tokens: 16 }, { headers: { 'x-warden-task': task } }).then(
    () => ({ status: 200, code: undefined as string | undefined }),
    (error: InstanceType<typeof OpenAI.APIError>) => ({ status: error.status, code: String(error.code) }),
  );

/** The session and CSRF cookies a browser context holds for the panel. */
async function panelCookies(context: BrowserContext): Promise<{ header: string; csrf: string }> {
  const cookies = await context.cookies();
  const value = (name: string) => cookies.find((cookie) => cookie.name === name)?.value ?? '';
  return { header: `warden_session=${value('warden_session')}; warden_csrf=${value('warden_csrf')}`, csrf: value('warden_csrf') };
}

describe('control panel: access', () => {
  it('refuses a wrong key, and sets an HttpOnly, SameSite=Strict session cookie scoped to /ui', async () => {
    harness = await createGatewayHarness({ config: { admin: { viewerKeys } } });
    const origin = { origin: harness.url };
    const wrong = await fetch(`${harness.url}/ui/login`, { method: 'POST', headers: { ...origin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=not-a-key-at-all-000', redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('neither the admin key nor a viewer key');
    const right = await fetch(`${harness.url}/ui/login`, { method: 'POST', headers: { ...origin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=test-admin-key-0123456789&name=ops', redirect: 'manual' });
    expect(right.status).toBe(303);
    const cookies = right.headers.getSetCookie();
    expect(cookies.find((cookie) => cookie.startsWith('warden_session='))).toMatch(/; Path=\/ui; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(cookies.find((cookie) => cookie.startsWith('warden_csrf='))).toMatch(/; Path=\/ui; SameSite=Strict/);
    expect((await fetch(`${harness.url}/ui/api/state`)).status).toBe(401);
  });

  it('stops a team from the Fleet view: the next request is refused and the page shows who flipped the switch; lifting it lets calls through', async () => {
    harness = await createGatewayHarness({ config: { admin: { viewerKeys } } });
    const { openai } = await harness.client({ team: 'research' });
    expect(await ask(openai, 'crawl-1')).toEqual({ status: 200, code: undefined });
    const { page, errors, context } = await openPanel(chromium(), { url: harness.url, role: 'operator', name: 'alice' });

    const row = page.locator('#fleet-table tr[data-task="crawl-1"]');
    await row.getByRole('button', { name: 'Stop team research' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('runaway crawl');
    await dialog.getByRole('button', { name: 'Turn on kill switch' }).click();
    await page.locator('#toast', { hasText: 'Kill switch on for team:research' }).waitFor();

    expect(await ask(openai, 'crawl-1')).toEqual({ status: 403, code: 'kill_switch' });
    await row.locator('[data-status="killed"]').waitFor({ timeout: 2000 });
    await page.getByRole('link', { name: /^Kill switch/ }).click();
    const active = page.locator('#kill-table tr[data-target="team:research"]');
    await active.waitFor({ timeout: 2000 });
    expect(await active.locator('[data-field="by"]').textContent()).toBe('ui:alice');
    expect(await active.textContent()).toContain('runaway crawl');
    const [set] = await harness.rows('kill-switch-set');
    expect(set?.data).toMatchObject({ target: 'team:research', by: 'ui:alice', reason: 'runaway crawl' });

    await active.getByRole('button', { name: 'Lift the kill switch on team:research' }).click();
    await active.waitFor({ state: 'detached', timeout: 2000 });
    expect(await ask(openai, 'crawl-1')).toEqual({ status: 200, code: undefined });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('gives a viewer no way to kill: no buttons, no form, and the POST refused with 403', async () => {
    harness = await createGatewayHarness({ config: { admin: { viewerKeys } } });
    const { openai } = await harness.client({ team: 'research' });
    await ask(openai, 'crawl-2');
    const { page, errors, context } = await openPanel(chromium(), { url: harness.url, role: 'viewer' });
    await page.locator('#fleet-table tr[data-task="crawl-2"]').waitFor();
    expect(await page.locator('#who').textContent()).toBe('noc-screen (viewer, read-only)');
    expect(await page.locator('#fleet-table button').count()).toBe(0);
    expect(await page.locator('#kill-form').count()).toBe(0);

    const answer = await postFromPage(page, { path: '/ui/api/kill-switches', body: { target: 'global', reason: 'viewer try' }, withToken: true });
    expect(answer.status).toBe(403);
    expect(answer.body.error?.message).toContain('viewer');
    expect(harness.gateway.context.killSwitches.list()).toEqual([]);
    expect(await ask(openai, 'crawl-2')).toEqual({ status: 200, code: undefined });
    expect(errors.filter((error) => !error.includes('403'))).toEqual([]);
    await context.close();
  });

  it('refuses a state-changing request without the CSRF token, or from another origin, and takes the same request with both', async () => {
    harness = await createGatewayHarness({ config: { admin: { viewerKeys } } });
    const { page, context } = await openPanel(chromium(), { url: harness.url, role: 'operator' });
    const { header, csrf } = await panelCookies(context);
    const post = (headers: Record<string, string>) =>
      fetch(`${harness.url}/ui/api/kill-switches`, { method: 'POST', headers: { cookie: header, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ target: 'global', reason: 'test' }) });

    // From the panel's own page, but without the token.
    const withoutToken = (await postFromPage(page, { path: '/ui/api/kill-switches', body: { target: 'global' }, withToken: false })).status;
    expect(withoutToken).toBe(403);
    // The session cookie and the token, but another origin.
    expect((await post({ origin: 'http://evil.example', 'x-warden-csrf': csrf })).status).toBe(403);
    expect((await post({ origin: harness.url, 'sec-fetch-site': 'cross-site', 'x-warden-csrf': csrf })).status).toBe(403);
    expect((await post({ 'x-warden-csrf': csrf })).status).toBe(403);
    // A real page on another origin posting to the panel: the SameSite=Strict cookie stays home, and so would the Origin check.
    const attacker = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<form id="f" method="post" action="${harness.url}/ui/api/kill-switches" enctype="text/plain"><input name='{"target":"global","x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`);
    });
    servers.push(attacker);
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const attackerPage = await context.newPage();
    const navigation = attackerPage.waitForURL(/\/ui\/api\/kill-switches$/);
    await attackerPage.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
    await navigation;
    expect(await attackerPage.textContent('body')).toMatch(/Log in to the control panel|Cross-site request refused/);
    expect(harness.gateway.context.killSwitches.list()).toEqual([]);

    // The same request with the token from the same origin works: the refusals above were the checks, not a broken route.
    expect((await post({ origin: harness.url, 'x-warden-csrf': csrf })).status).toBe(201);
    expect(harness.gateway.context.killSwitches.list().map((killSwitch) => killSwitch.target)).toEqual(['global']);
    await context.close();
  });

  it('logs out: the session ends and the event stream with it', async () => {
    harness = await createGatewayHarness({ config: { admin: { viewerKeys } } });
    const { page, context } = await openPanel(chromium(), { url: harness.url, role: 'operator' });
    const other = await context.newPage();
    await other.goto(`${harness.url}/ui#budgets`);
    await other.locator('#connection', { hasText: 'live' }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/ui\/login$/);
    // The other tab's event stream ends with the session, and sends it to the login page.
    await other.waitForURL(/\/ui\/login$/, { timeout: 2000 });
    const { header } = await panelCookies(context);
    expect((await fetch(`${harness.url}/ui/api/state`, { headers: { cookie: header } })).status).toBe(401);
    await page.goto(`${harness.url}/ui`);
    await page.waitForURL(/\/ui\/login$/);
    await context.close();
  });
});
