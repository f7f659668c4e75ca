import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { printBanner } from '../../src/cli/print-banner.js';
import { startGateway, type RunningGateway } from '../../src/cli/serve.js';

const run = promisify(execFile);
let running: RunningGateway | undefined;
let directory: string | undefined;
afterEach(async () => {
  await running?.stop(0);
  running = undefined;
  if (directory) rmSync(directory, { recursive: true, force: true });
});

async function startDemo(): Promise<{ running: RunningGateway; banner: string }> {
  directory = mkdtempSync(join(tmpdir(), 'warden-demo-'));
  running = await startGateway({ port: 0, sqlitePath: join(directory, 'warden.db'), quiet: true, env: {} });
  let banner = '';
  printBanner({ running, write: (text) => (banner += text) });
  return { running, banner };
}

describe('warden serve with no config', () => {
  it('serves the simulated provider, and the curl it prints works and is charged', async () => {
    const { banner } = await startDemo();
    const curl = banner.slice(banner.indexOf('curl -s'), banner.indexOf('-i', banner.indexOf('curl -s')) + 2);
    expect(curl).toContain('/v1/chat/completions');
    const { stdout } = await run('sh', ['-c', curl]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(stdout).toMatch(/x-warden-cost-usd: 0\.0000\d+/);
    expect(stdout).toMatch(/x-warden-budget-remaining-usd: 0\.99\d+/);
    const body = JSON.parse(stdout.slice(stdout.indexOf('\r\n\r\n') + 4)) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);
  });

  it('prints the control panel URL, and the admin key it prints opens the admin API', async () => {
    const { running: gateway, banner } = await startDemo();
    expect(banner).toContain(`${gateway.url}/ui`);
    const adminKey = /admin key:\s+(\S+)/.exec(banner)?.[1];
    expect(adminKey).toBe(gateway.adminKey);
    const keys = await fetch(`${gateway.url}/admin/keys`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(keys.status).toBe(200);
    expect(((await keys.json()) as { keys: Array<{ name: string }> }).keys.map((key) => key.name)).toContain('demo');
    expect((await fetch(`${gateway.url}/ui`)).status).toBe(200);
  });

  it('prints the same demo key after a restart on the same database', async () => {
    const first = await startDemo();
    const key = first.running.demoKey;
    const database = join(directory as string, 'warden.db');
    await first.running.stop(0);
    running = await startGateway({ port: 0, sqlitePath: database, quiet: true, env: {} });
    expect(running.demoKey).toBe(key);
    const answer = await fetch(`${running.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-warden-model')).toBe('gpt-4o-mini');
  });
});
