import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Request } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { adminKey, createGatewayHarness, type GatewayHarness } from '../e2e/gateway-harness.js';
import { stateJson } from '../../src/gateway/ui-events.js';
import { chromiumForSuite } from './panel-harness.js';
import { fleetConfig, simulateFleet } from './simulate-fleet.js';

/** `npm run screenshots` sets this to docs/ui; otherwise the pictures go to a temporary directory. */
const outputDirectory = process.env.WARDEN_SCREENSHOTS === undefined ? join(tmpdir(), 'warden-ui-screenshots') : resolve(process.env.WARDEN_SCREENSHOTS);
const views = ['fleet', 'spend', 'budgets', 'routing', 'security', 'approvals', 'kills'] as const;

const chromium = chromiumForSuite();
let harness: GatewayHarness;
afterEach(async () => harness?.close());

describe('control panel: every view, its weight and its updates', () => {
  it('renders each view from a simulated fleet, loads light and sends small, at most two updates a second', async () => {
    harness = await createGatewayHarness({ config: fleetConfig });
    const fleet = await simulateFleet(harness);
    mkdirSync(outputDirectory, { recursive: true });

    // First load: everything the browser fetched for /ui until the page is live (the event stream's own bytes are counted below).
    const measured = await chromium().newContext({ viewport: { width: 1366, height: 860 } });
    const loginPage = await measured.newPage();
    const errors: string[] = [];
    loginPage.on('console', (message) => (message.type() === 'error' ? errors.push(message.text()) : undefined));
    loginPage.on('pageerror', (error) => errors.push(error.message));
    await loginPage.goto(`${harness.url}/ui/login`);
    await loginPage.getByLabel('Admin or viewer key').fill(adminKey);
    await loginPage.getByLabel('Your name (optional)').fill('alice');
    const loaded: Request[] = [];
    measured.on('requestfinished', (request) => loaded.push(request));
    await loginPage.getByRole('button', { name: 'Log in' }).click();
    await loginPage.waitForURL(/\/ui$/);
    await loginPage.locator('#connection', { hasText: 'live' }).waitFor();
    await loginPage.waitForLoadState('networkidle').catch(() => undefined);
    let firstLoadBytes = 0;
    for (const request of loaded) {
      if (request.url().includes('/ui/api/events')) continue;
      const sizes = await request.sizes();
      firstLoadBytes += sizes.responseBodySize + sizes.responseHeadersSize;
    }
    const files = loaded.filter((request) => !request.url().includes('/ui/api/events')).length;

    // Turn a kill switch on from the panel, so the Kill switch view has one with its author.
    await loginPage.getByRole('link', { name: /^Kill switch/ }).click();
    const killForm = loginPage.locator('#kill-form');
    await killForm.getByLabel('Scope').selectOption('task');
    await killForm.getByLabel('Name').fill('migrate-2');
    await killForm.getByLabel('Reason').fill('asks the same question on every step');
    await killForm.getByRole('button', { name: 'Turn on kill switch' }).click();
    await loginPage.locator('#kill-table tr[data-target="task:migrate-2"]').waitFor();

    // Live updates under steady traffic: count what the event streams sent over a measured stretch.
    const stats = harness.gateway.controlPanel.stats;
    const sectionBytes: Record<string, number> = {};
    const stopCounting = harness.gateway.controlPanel.source.subscribe((update) => {
      for (const [section, patch] of Object.entries(JSON.parse(update.patch) as Record<string, unknown>)) sectionBytes[section] = (sectionBytes[section] ?? 0) + JSON.stringify(patch).length;
    });
    const before = { patches: stats.patchMessages, bytes: stats.bytes, transferred: stats.transferredBytes, at: Date.now() };
    for (let round = 16; round < 40; round += 1) await fleet.step(round);
    await new Promise((resolveWait) => setTimeout(resolveWait, 600));
    const elapsedInSeconds = (Date.now() - before.at) / 1000;
    const patches = stats.patchMessages - before.patches;
    const patchBytes = stats.bytes - before.bytes;
    const transferredBytes = stats.transferredBytes - before.transferred;
    stopCounting();
    const quiet = { patches: stats.patchMessages };
    await new Promise((resolveWait) => setTimeout(resolveWait, 2000));
    const quietPatches = stats.patchMessages - quiet.patches;
    // After all those patches the page holds exactly the server's state.
    const server = await harness.gateway.controlPanel.source.current(0);
    const onPage = (await loginPage.evaluate(() => JSON.stringify((globalThis as unknown as { wardenPanel: { state: unknown } }).wardenPanel.state))) as string;
    const { atInMs: pageTime, ...pageSections } = JSON.parse(onPage) as Record<string, unknown>;
    const { atInMs: serverTime, ...serverSections } = JSON.parse(JSON.stringify(server.state)) as Record<string, unknown>;
    expect(pageSections).toEqual(serverSections);
    expect(pageTime).toBeLessThanOrEqual(serverTime as number);

    for (const view of views) {
      await loginPage.goto(`${harness.url}/ui#${view}`);
      await loginPage.locator('#connection', { hasText: 'live' }).waitFor();
      await loginPage.locator(`#view-${view}`).waitFor();
      if (view === 'spend') await loginPage.locator('#spend-chart canvas').waitFor();
      await loginPage.waitForTimeout(300);
      await loginPage.screenshot({ path: join(outputDirectory, `${view}.png`), fullPage: true });
    }
    const wholeState = Buffer.from(stateJson(server));
    const figures = {
      firstLoad: { files, transferredBytes: firstLoadBytes },
      wholeState: { tasks: server.state.fleet.tasks.length, bytes: wholeState.length, gzippedBytes: gzipSync(wholeState).length },
      liveUpdates: { seconds: Number(elapsedInSeconds.toFixed(1)), patches, patchesPerSecond: Number((patches / elapsedInSeconds).toFixed(2)), bytesPerPatch: Math.round(patchBytes / Math.max(1, patches)), gzippedBytesPerPatch: Math.round(transferredBytes / Math.max(1, patches)), bytesPerPatchBySection: Object.fromEntries(Object.entries(sectionBytes).map(([section, bytes]) => [section, Math.round(bytes / Math.max(1, patches))])), quietPatchesIn2Seconds: quietPatches },
    };
    writeFileSync(join(outputDirectory, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(JSON.stringify(figures));

    expect(firstLoadBytes).toBeLessThan(120_000);
    expect(patches).toBeGreaterThan(0);
    expect(patches / elapsedInSeconds).toBeLessThanOrEqual(2.2);
    expect(quietPatches).toBeLessThanOrEqual(1);
    // Every view had something to show.
    await loginPage.goto(`${harness.url}/ui#security`);
    await loginPage.locator('#security-table tr[data-type="loop-detect"]').waitFor();
    await loginPage.locator('#security-table tr[data-type="tool-deny"]').waitFor();
    await loginPage.goto(`${harness.url}/ui#approvals`);
    await loginPage.locator('#approval-table tr[data-approval]').waitFor();
    expect(errors).toEqual([]);
    await measured.close();
  });
});
