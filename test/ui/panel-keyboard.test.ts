import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, type GatewayHarness } from '../e2e/gateway-harness.js';
import { chromiumForSuite, openPanel } from './panel-harness.js';

const chromium = chromiumForSuite();
let harness: GatewayHarness;
afterEach(async () => harness?.close());

describe('control panel: keyboard', () => {
  it('moves between views, reaches every action and cancels a kill with Escape, with focus always visible', async () => {
    harness = await createGatewayHarness();
    const { openai } = await harness.client({ team: 'research' });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 16 }, { headers: { 'x-warden-task': 'crawl-1' } });
    const { page, errors, context } = await openPanel(chromium(), { url: harness.url, role: 'operator' });
    const focused = () => page.evaluate(() => {
      const { document } = globalThis as unknown as { document: { activeElement: { id: string; textContent: string; getAttribute(name: string): string | null } | null } };
      return { id: document.activeElement?.id ?? '', text: document.activeElement?.textContent?.trim() ?? '', label: document.activeElement?.getAttribute('aria-label') ?? '' };
    });
    const outline = () => page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as { document: { activeElement: unknown }; getComputedStyle(element: unknown): { outlineStyle: string; outlineWidth: string } };
      const style = getComputedStyle(document.activeElement);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });

    await page.keyboard.press('Tab');
    expect((await focused()).text).toBe('Skip to the view');
    expect(await outline()).toBe('solid 3px');
    // Through the views' links to Spend; Enter shows the view and moves focus to its heading.
    for (let step = 0; step < 3 && (await focused()).text !== 'Spend'; step += 1) await page.keyboard.press('Tab');
    expect((await focused()).text).toBe('Spend');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focused()).id).toBe('title-spend');
    expect(await page.locator('#view-spend').isVisible()).toBe(true);
    expect(await page.locator('#view-fleet').isVisible()).toBe(false);
    await page.goBack();
    await expect.poll(async () => (await focused()).id).toBe('title-fleet');

    // The row's stop buttons are reachable by Tab, name what they stop, and open a dialog that Escape closes.
    await page.getByRole('button', { name: 'Stop task crawl-1' }).focus();
    expect(await outline()).toBe('solid 3px');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect((await focused()).id).toBe('reason-input');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(harness.gateway.context.killSwitches.list()).toEqual([]);
    // Enter in the reason field confirms.
    await page.getByRole('button', { name: 'Stop task crawl-1' }).press('Enter');
    await page.keyboard.type('stuck crawler');
    await page.keyboard.press('Enter');
    await expect.poll(() => harness.gateway.context.killSwitches.list().map((killSwitch) => [killSwitch.target, killSwitch.reason])).toEqual([['task:crawl-1', 'stuck crawler']]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
