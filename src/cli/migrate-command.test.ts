import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresMigrations } from '../stores/postgres/postgres-migrations.js';
import { createPostgresTestSchemas } from '../../test/support/postgres-test-schemas.js';
import { testPostgresUrl } from '../../test/support/postgres-test-server.js';
import { createRecordingOutput } from './cli-output.js';
import { runCli } from './run-cli.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-cli-migrate-'));
const schemas = createPostgresTestSchemas();
const latestVersion = postgresMigrations.length;

afterAll(async () => {
  rmSync(directory, { recursive: true, force: true });
  await schemas.dropAll();
});

function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

async function run(argv: string[], env: Record<string, string> = {}) {
  const output = createRecordingOutput();
  const exitCode = await runCli({ argv, env, output, serve: async () => undefined });
  return { exitCode, stdout: output.stdout(), stderr: output.stderr() };
}

describe('warden migrate', () => {
  it('applies the migrations to the storage.namespace schema, then says it is up to date', async () => {
    const schema = schemas.next();
    const path = file(`${schema}.yaml`, `storage:\n  ledger: "\${LEDGER_URL}"\n  namespace: ${schema}\n`);
    const first = await run(['migrate', '--config', path], { LEDGER_URL: testPostgresUrl });
    expect(first).toMatchObject({ exitCode: 0, stderr: '' });
    expect(first.stdout).toContain(`Applied migration${latestVersion === 1 ? '' : 's'} ${postgresMigrations.map((_, index) => index + 1).join(', ')} to PostgreSQL at `);
    expect(first.stdout).toContain(`(schema "${schema}"); now at schema version ${latestVersion}.`);
    const applied = await schemas.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    expect(applied.map((row) => row.version)).toEqual(postgresMigrations.map((_, index) => index + 1));
    expect(await schemas.query(`SELECT count(*) AS rows FROM "${schema}".ledger`)).toEqual([{ rows: '0' }]);

    const second = await run(['migrate', '--config', path], { LEDGER_URL: testPostgresUrl });
    expect(second).toMatchObject({ exitCode: 0, stderr: '' });
    expect(second.stdout).toContain(`(schema "${schema}") is up to date (schema version ${latestVersion}).`);
  });

  it('says there is nothing to migrate when storage.ledger is sqlite, and exits 1', async () => {
    const path = file('sqlite.yaml', 'storage:\n  ledger: sqlite\n');
    const result = await run(['migrate', '--config', path]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`In ${path}, storage.ledger is "sqlite": nothing to migrate`);
    expect((await run(['migrate'])).stderr).toContain('Without --config <file>, storage.ledger is "sqlite": nothing to migrate');
  });

  it('names the server without its password when it cannot connect, and exits 1', async () => {
    const path = file('unreachable.yaml', 'storage:\n  ledger: "postgres://warden:hunter2-secret@127.0.0.1:1/warden"\n');
    const result = await run(['migrate', '--config', path]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Could not migrate PostgreSQL at postgres://warden:***@127.0.0.1:1/warden (schema "warden"): connect ECONNREFUSED');
    expect(result.stderr).not.toContain('hunter2');
  });

  it('is listed in the help', async () => {
    expect((await run(['--help'])).stdout).toContain('migrate');
  });
});
