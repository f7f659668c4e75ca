import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRecordingOutput } from './cli-output.js';
import { runCli, type ServeFunction } from './run-cli.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

async function run(argv: string[], options: { env?: Record<string, string>; serve?: ServeFunction } = {}) {
  const output = createRecordingOutput();
  const exitCode = await runCli({ argv, env: options.env ?? {}, output, serve: options.serve ?? (async () => undefined) });
  return { exitCode, stdout: output.stdout(), stderr: output.stderr() };
}

describe('warden config check', () => {
  it('says OK and counts budgets and providers', async () => {
    const path = file(
      'good.yaml',
      'providers:\n  openai: { type: openai, apiKey: "${OPENAI_API_KEY}" }\nbudgets:\n  - { scope: "team:a", window: day, hard: "25" }\n  - { scope: "team:b", hard: 5 }\n',
    );
    expect(await run(['config', 'check', path], { env: { OPENAI_API_KEY: 'sk-1' } })).toEqual({
      exitCode: 0,
      stdout: `OK: ${path} is valid (2 budgets, 1 provider)\n`,
      stderr: '',
    });
  });

  it('prints what is wrong, naming the file and the config path, and exits 1', async () => {
    const path = file('bad.yaml', 'budgets:\n  - scope: team:research\n    hard: "25$"\n');
    const result = await run(['config', 'check', path]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`Invalid config in ${path}:`);
    expect(result.stderr).toContain('budgets[0].hard: expected a dollar amount like "25" or "25.50", got "25$"');
  });

  it('names the variable a config needs from the environment', async () => {
    const path = file('env.yaml', 'providers:\n  openai: { type: openai, apiKey: "${OPENAI_API_KEY}" }\n');
    const result = await run(['config', 'check', path]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('providers.openai.apiKey: environment variable OPENAI_API_KEY is not set');
  });
});

describe('warden serve', () => {
  it('hands the options to serve', async () => {
    const calls: unknown[] = [];
    const serve: ServeFunction = async (options) => {
      calls.push(options);
    };
    expect((await run(['serve', '--config', 'warden.yaml', '--port', '8080', '--host', '0.0.0.0'], { serve })).exitCode).toBe(0);
    expect((await run(['serve'], { serve })).exitCode).toBe(0);
    expect(calls).toEqual([{ configPath: 'warden.yaml', port: 8080, host: '0.0.0.0' }, {}]);
  });

  it('refuses a port that is not a number', async () => {
    const result = await run(['serve', '--port', 'http']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('expected a port number from 0 to 65535');
  });
});

describe('warden', () => {
  it('prints help and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.exitCode).toBe(0);
    for (const command of ['serve', 'config', 'keys', 'kill', 'unkill', 'kills']) expect(result.stdout).toContain(command);
  });

  it('tells how approvals are decided with and without a gateway', async () => {
    const help = await run(['approvals', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--db <file>');
    expect(help.stdout).toContain('--config <file>');
    const approve = await run(['approvals', 'approve', '--help']);
    expect(approve.stdout).toContain("the SQLite file of an SDK agent's store");
  });

  it('exits 1 on an unknown command', async () => {
    const result = await run(['frobnicate']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });
});
