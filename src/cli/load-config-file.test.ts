import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WardenError } from '../core/warden-error.js';
import { loadConfigFile, type Environment } from './load-config-file.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-config-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let fileCount = 0;
function configFile(text: string, extension = 'yaml'): string {
  fileCount += 1;
  const path = join(directory, `config-${fileCount}.${extension}`);
  writeFileSync(path, text);
  return path;
}

async function loadError(path: string, env: Environment = {}): Promise<WardenError> {
  try {
    await loadConfigFile(path, env);
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error('expected loadConfigFile to fail');
}

const providerYaml = (apiKey: string) => `providers:\n  openai:\n    type: openai\n    apiKey: "${apiKey}"\n`;

describe('loadConfigFile', () => {
  it('reads YAML, applies defaults and freezes the result', async () => {
    const path = configFile('org: acme\nbudgets:\n  - scope: team:research\n    window: day\n    hard: "25"\ntiers:\n  fast: [gpt-4o-mini]\n');
    const config = await loadConfigFile(path, {});
    expect(config.org).toBe('acme');
    expect(config.budgets[0]).toMatchObject({ scope: 'team:research', window: 'day', hard: 25_000_000_000 });
    expect(config.tiers['fast']).toEqual(['gpt-4o-mini']);
    expect(config.server.port).toBe(4000);
    expect(Object.isFrozen(config.tiers)).toBe(true);
  });

  it('reads JSON too', async () => {
    const path = configFile(JSON.stringify({ org: 'json-org', tiers: { fast: ['a'] } }), 'json');
    expect((await loadConfigFile(path, {})).org).toBe('json-org');
  });

  it('treats an empty file as the default config', async () => {
    expect((await loadConfigFile(configFile(''), {})).org).toBe('default');
  });

  it('fills ${NAME} from the environment, in nested strings and lists', async () => {
    const path = configFile(`${providerYaml('${OPENAI_API_KEY}')}tiers:\n  fast: ["\${FAST_MODEL}", gpt-4o]\norg: "org-\${ORG}-x"\n`);
    const config = await loadConfigFile(path, { OPENAI_API_KEY: 'sk-live-123', FAST_MODEL: 'gpt-4o-mini', ORG: 'acme' });
    expect(config.providers['openai']).toMatchObject({ type: 'openai', apiKey: 'sk-live-123' });
    expect(config.tiers['fast']).toEqual(['gpt-4o-mini', 'gpt-4o']);
    expect(config.org).toBe('org-acme-x');
  });

  it('uses ${NAME:-default} when the variable is unset or empty', async () => {
    const path = configFile('org: "${ORG:-fallback-org}"\nserver:\n  host: "${HOST:-0.0.0.0}"\n');
    expect(await loadConfigFile(path, { HOST: '' })).toMatchObject({ org: 'fallback-org', server: { host: '0.0.0.0' } });
    expect(await loadConfigFile(path, { ORG: 'set', HOST: '::1' })).toMatchObject({ org: 'set', server: { host: '::1' } });
  });

  it('keeps $${ as a literal ${', async () => {
    const path = configFile('org: "cost-$${NOT_A_VARIABLE}"\n');
    expect((await loadConfigFile(path, {})).org).toBe('cost-${NOT_A_VARIABLE}');
  });

  it('names the config path and the fix for a missing variable, with every missing one listed', async () => {
    const path = configFile(`${providerYaml('${OPENAI_API_KEY}')}budgets:\n  - scope: "team:\${TEAM}"\n    hard: "1"\n`);
    const error = await loadError(path);
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain(path);
    expect(error.message).toContain(
      'providers.openai.apiKey: environment variable OPENAI_API_KEY is not set; export it or give a default like ${OPENAI_API_KEY:-…}',
    );
    expect(error.message).toContain('budgets[0].scope: environment variable TEAM is not set');
  });

  it('refuses a malformed reference instead of passing it through', async () => {
    const error = await loadError(configFile('org: "${NOT CLOSED"\n'));
    expect(error.message).toContain('org: "${NOT CLOSED" is not a valid reference');
  });

  it('names the file, line and column of a YAML syntax error', async () => {
    const path = configFile('org: acme\ntiers:\n  fast: [a, b\nbudgets: []\n');
    const error = await loadError(path);
    expect(error.code).toBe('invalid_config');
    expect(error.message).toMatch(new RegExp(`${escape(path)}:4:1: Flow sequence`));
  });

  it('reports duplicate keys as YAML errors', async () => {
    const path = configFile('org: a\norg: b\n');
    expect((await loadError(path)).message).toContain(`${path}:2:1: Map keys must be unique`);
  });

  it('names the file and the config path of a schema error', async () => {
    const path = configFile('budgets:\n  - scope: team:research\n    hard: "25$"\n');
    const error = await loadError(path);
    expect(error.message).toContain(`Invalid config in ${path}:`);
    expect(error.message).toContain('budgets[0].hard: expected a dollar amount like "25" or "25.50", got "25$"');
    expect(error.details['issues']).toHaveLength(1);
  });

  it('says when the file does not exist', async () => {
    const path = join(directory, 'missing.yaml');
    const error = await loadError(path);
    expect(error.message).toBe(`Cannot read config file ${path}: the file does not exist; check the path or pass --config <file>`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
