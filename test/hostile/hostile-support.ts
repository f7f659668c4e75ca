import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { WardenConfigInput } from '../../src/core/parse-config.js';
import type { GatewayLogger } from '../../src/gateway/gateway-logger.js';
import { createSqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { createGatewayHarness, type GatewayHarness } from '../e2e/gateway-harness.js';

/** Budgets on every kind of scope a request can name, so every call reserves on lines a leak would show on. */
export const hostileBudgets: NonNullable<WardenConfigInput['budgets']> = [
  { scope: 'org:default', window: 'day', hard: '1000' },
  { scope: 'team:*', window: 'day', hard: '500' },
  { scope: 'key:*', window: 'day', hard: '400' },
  { scope: 'user:*', window: 'day', hard: '300' },
  { scope: 'task:*', window: 'total', hard: '200' },
  { scope: 'tag:feature=*', window: 'day', hard: '100' },
];

/** What the SQLite file holds: every table and its rows. */
export type TableCounts = Record<string, number>;

export interface HostileHarness extends GatewayHarness {
  /** The SQLite file under the store, read over a second connection. */
  databasePath: string;
  /** Sum of reservedInNanoUsd over every budget line, and the open reservations. */
  outstanding(): { reservedInNanoUsd: number; reservations: number; lines: number };
  /**
   * Waits (up to 5 s: a stream settles just after its last byte) until nothing is reserved, and
   * returns what is outstanding then; a leaked reservation holds its lease for minutes, so it shows.
   */
  settled(): Promise<{ reservedInNanoUsd: number; reservations: number; lines: number }>;
  tables(): TableCounts;
  /** `PRAGMA integrity_check` of the file. */
  integrity(): string;
}

/**
 * The gateway harness over a real SQLite store in a scratch directory, with budgets on every
 * scope kind, so a test can read every budget line and every table straight from the file.
 */
export async function createHostileHarness(options: { config?: WardenConfigInput; logger?: GatewayLogger } = {}): Promise<HostileHarness> {
  const directory = mkdtempSync(join(tmpdir(), 'warden-hostile-'));
  const databasePath = join(directory, 'warden.db');
  const store = createSqliteStore({ path: databasePath, flushIntervalInMs: 5, pruneIntervalInMs: 0 });
  const harness = await createGatewayHarness({ store, config: { budgets: hostileBudgets, ...options.config }, ...(options.logger ? { logger: options.logger } : {}) });
  const read = <T>(work: (db: Database.Database) => T): T => {
    const db = new Database(databasePath, { readonly: true, fileMustExist: true });
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  const outstanding = () =>
    read((db) => {
      const lines = db.prepare('SELECT COUNT(*) AS lines, COALESCE(SUM(reserved_in_nano_usd), 0) AS reserved FROM budget_lines').get() as { lines: number; reserved: number };
      const reservations = (db.prepare('SELECT COUNT(*) AS count FROM reservations').get() as { count: number }).count;
      return { reservedInNanoUsd: lines.reserved, reservations, lines: lines.lines };
    });
  return {
    ...harness,
    databasePath,
    outstanding,
    async settled() {
      await harness.mock.idle();
      const deadline = Date.now() + 5000;
      for (;;) {
        const now = outstanding();
        if ((now.reservations === 0 && now.reservedInNanoUsd === 0) || Date.now() > deadline) return now;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    tables: () =>
      read((db) => {
        const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((row) => row.name);
        return Object.fromEntries(names.map((name) => [name, (db.prepare(`SELECT COUNT(*) AS count FROM "${name}"`).get() as { count: number }).count]));
      }),
    integrity: () => read((db) => (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check),
    async close() {
      await harness.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The tables a Warden SQLite file has once migrated; a test fails if injection dropped one. */
export const wardenTables = ['approvals', 'budget_lines', 'cached_responses', 'kill_switches', 'ledger', 'ledger_attributions', 'marks', 'reservation_tombstones', 'reservations', 'task_guards', 'virtual_keys'];

export interface RawResponse {
  /** 0 when the server closed the connection without an HTTP answer. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Everything the server wrote, as latin1. */
  raw: string;
}

/**
 * Writes bytes to the gateway over a plain TCP socket (so a test can send what no HTTP client
 * would: CR/LF inside headers, lying lengths, invalid UTF-8) and reads what comes back until the
 * server closes the connection or `settleInMs` passes without new bytes after a full answer.
 */
export function rawRequest(url: string, chunks: ReadonlyArray<string | Buffer>, options: { settleInMs?: number; timeoutInMs?: number } = {}): Promise<RawResponse> {
  const { port, hostname } = new URL(url);
  const settleInMs = options.settleInMs ?? 150;
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: hostname });
    const received: Buffer[] = [];
    let settle: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(settle);
      clearTimeout(overall);
      socket.destroy();
      resolve(parseRaw(Buffer.concat(received).toString('latin1')));
    };
    const overall = setTimeout(finish, options.timeoutInMs ?? 10_000);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    socket.on('data', (data) => {
      received.push(data);
      clearTimeout(settle);
      settle = setTimeout(finish, settleInMs);
    });
    // The server may reset a connection it refused mid-upload; what it wrote before still counts.
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? finish() : reject(error)));
    socket.on('close', finish);
  });
}

function parseRaw(raw: string): RawResponse {
  const match = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(raw);
  if (!match) return { status: 0, headers: {}, body: '', raw };
  const headers: Record<string, string> = {};
  for (const line of (match[2] as string).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = match[3] as string;
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.slice(0, Number(headers['content-length']));
  return { status: Number(match[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8'), raw };
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd === -1) return out;
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/** A request head for the raw socket: request line, headers, blank line. */
export function head(options: { method?: string; target: string; headers: Record<string, string | number> }): string {
  const lines = [`${options.method ?? 'POST'} ${options.target} HTTP/1.1`, ...Object.entries(options.headers).map(([name, value]) => `${name}: ${value}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Text that must never reach a client: a stack frame, a file of ours, a provider key. */
const leakPatterns = [/\n\s+at [^\n]+\(/, /\bat (async )?[\w.<>]+ \(\/[^)]+:\d+:\d+\)/, /node:internal/, /\/src\/[\w/-]+\.ts/, /sk-provider-openai-SECRET/, /sk-ant-provider-SECRET/, /test-secret-0123456789abcdef/];

/** Fails when a body carries a stack trace, a source path or a secret. */
export function expectNoLeak(text: string): void {
  for (const pattern of leakPatterns) expect(text, `the answer leaks ${pattern}`).not.toMatch(pattern);
}

/**
 * Checks an error answer: JSON in the route's dialect (OpenAI `{ error: { code, message } }`,
 * Anthropic `{ type: 'error', error: { code, message } }`) with a code and a message, and no leak.
 */
export function expectErrorBody(body: string, dialect: 'openai' | 'anthropic'): { code: string; message: string } {
  expectNoLeak(body);
  let parsed: any;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`expected a JSON error body, got ${JSON.stringify(body.slice(0, 300))}`);
  }
  if (dialect === 'anthropic') expect(parsed).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
  else expect(parsed).toMatchObject({ error: { type: expect.any(String), message: expect.any(String) } });
  const error = parsed.error as { code?: unknown; message: string };
  expect(typeof error.code, `error body without a code: ${body.slice(0, 300)}`).toBe('string');
  expect(error.message.length).toBeGreaterThan(10);
  return { code: error.code as string, message: error.message };
}
