import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReplica, type Replica } from '../../bench/subjects/start-replica.js';
import { startGateway, type RunningGateway } from '../../src/cli/serve.js';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';
import { hello, waitFor } from '../e2e/gateway-harness.js';
import { budgetsOnEveryScope, expectNoStackTrace } from './fault-checks.js';

// The SIGTERM and SIGKILL cases run the built CLI (`npm run build`; npm test builds first), as an operator would.
const adminKey = 'signals-admin-key-0123456789';
let directory: string;
let mock: MockUpstream;
const replicas: Replica[] = [];
let inProcess: RunningGateway | undefined;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'warden-signals-'));
  mock = await createMockUpstream({ promptCaching: false });
});
afterEach(async () => {
  await Promise.all(replicas.splice(0).map((replica) => replica.kill()));
  await inProcess?.stop(0);
  inProcess = undefined;
  mock.reset();
});
afterAll(async () => {
  await mock.close();
  rmSync(directory, { recursive: true, force: true });
});

function gatewayConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    admin: { key: adminKey, secret: 'signals-secret-0123456789abcdef' },
    providers: {
      openai: { type: 'openai', baseUrl: `${mock.url}/v1`, apiKey: 'sk-signals' },
      anthropic: { type: 'anthropic', baseUrl: mock.url, apiKey: 'sk-ant-signals' },
    },
    budgets: budgetsOnEveryScope,
    logging: { level: 'warn', requests: false },
    ...extra,
  };
}

async function createKey(url: string): Promise<string> {
  const created = await fetch(`${url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'agent', team: 'agents' }) });
  expect(created.status).toBe(201);
  return ((await created.json()) as { key: string }).key;
}

/** Resolves when a fresh TCP connection to `url` is accepted, rejects with its error otherwise. */
function tryConnect(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

/** What the SQLite file says, read with a connection of its own (the gateway may still be running). */
function readDatabase(path: string): {
  rowsOf: (requestId: string) => Array<{ type: string; status: string | null; cost: number | null; event: { errorCode?: string; reservedInNanoUsd?: number; data?: Record<string, unknown> } }>;
  commitCostsByRequest: () => Map<string, number[]>;
  reservations: () => number;
  lines: () => Array<{ key: string; committed: number; reserved: number }>;
  close: () => void;
} {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  return {
    rowsOf: (requestId) =>
      db
        .prepare('SELECT type, status, cost_in_nano_usd AS cost, event_json FROM ledger WHERE request_id = ? ORDER BY sequence')
        .all(requestId)
        .map((row) => {
          const { type, status, cost, event_json } = row as { type: string; status: string | null; cost: number | null; event_json: string };
          return { type, status, cost, event: JSON.parse(event_json) as never };
        }),
    commitCostsByRequest: () => {
      const costs = new Map<string, number[]>();
      for (const row of db.prepare("SELECT request_id, cost_in_nano_usd FROM ledger WHERE type = 'reservation-commit'").all() as Array<{ request_id: string; cost_in_nano_usd: number }>) {
        costs.set(row.request_id, [...(costs.get(row.request_id) ?? []), row.cost_in_nano_usd]);
      }
      return costs;
    },
    reservations: () => (db.prepare('SELECT count(*) AS count FROM reservations').get() as { count: number }).count,
    lines: () =>
      (db.prepare('SELECT line_key, committed_in_nano_usd, reserved_in_nano_usd FROM budget_lines ORDER BY line_key').all() as Array<{ line_key: string; committed_in_nano_usd: number; reserved_in_nano_usd: number }>).map((row) => ({
        key: row.line_key,
        committed: row.committed_in_nano_usd,
        reserved: row.reserved_in_nano_usd,
      })),
    close: () => db.close(),
  };
}

const chat = { model: 'gpt-4o-mini', messages: hello, max_tokens: 64 };
const headers = { 'x-warden-task': 'signals-task' };

describe('SIGTERM', () => {
  it('stops accepting at once, lets the stream in flight finish, exits 0, and the ledger holds the settled call', async () => {
    mock.setBehavior({ inputTokens: 10, outputTokens: 20, chunkIntervalInMs: 100 });
    const replica = await startReplica({ directory, index: 0, config: gatewayConfig() });
    replicas.push(replica);
    const openai = new OpenAI({ apiKey: await createKey(replica.url), baseURL: `${replica.url}/v1`, maxRetries: 0, defaultHeaders: headers });
    const { data: stream, response } = await openai.chat.completions.create({ ...chat, stream: true }).withResponse();
    const requestId = response.headers.get('x-warden-request-id') as string;
    const chunks = stream[Symbol.asyncIterator]();
    let text = (await chunks.next()).value?.choices[0]?.delta.content ?? '';

    const exited = new Promise<number | null>((resolve) => replica.process.once('exit', (code) => resolve(code)));
    replica.process.kill('SIGTERM');
    await waitFor(() => replica.output().includes('SIGTERM: finishing calls in flight'));
    await expect(tryConnect(replica.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    let finishReason: string | null | undefined;
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
      text += next.value.choices[0]?.delta.content ?? '';
      finishReason = next.value.choices[0]?.finish_reason ?? finishReason;
    }
    expect(text.trim().split(' ')).toHaveLength(20);
    expect(finishReason).toBe('stop');
    expect(await exited, replica.output()).toBe(0);

    const database = readDatabase(join(directory, 'replica-0', 'warden.db'));
    try {
      const settles = database.rowsOf(requestId).filter((row) => row.type === 'reservation-commit' || row.type === 'reservation-release');
      expect(settles.map((row) => [row.type, row.status])).toEqual([['reservation-commit', 'ok']]);
      expect(settles[0]?.cost).toBeGreaterThan(0);
      expect(database.reservations()).toBe(0);
      const lines = database.lines();
      expect(lines.length).toBeGreaterThanOrEqual(6);
      expect(lines.map((line) => [line.key, line.committed, line.reserved])).toEqual(lines.map((line) => [line.key, settles[0]?.cost, 0]));
    } finally {
      database.close();
    }
  });

  it('past the grace, calls still running end cleanly: a stream gets an error event, a waiting call 503 shutting_down, both settled', async () => {
    const configPath = join(directory, 'in-process.json');
    writeFileSync(configPath, JSON.stringify(gatewayConfig()));
    const sqlitePath = join(directory, 'in-process.db');
    inProcess = await startGateway({ configPath, port: 0, sqlitePath, quiet: true, env: {} });
    const key = await createKey(inProcess.url);
    const openai = new OpenAI({ apiKey: key, baseURL: `${inProcess.url}/v1`, maxRetries: 0, defaultHeaders: headers });
    const anthropic = new Anthropic({ apiKey: key, baseURL: inProcess.url, maxRetries: 0, defaultHeaders: headers });

    mock.setScript([null, { type: 'timeout' }]);
    mock.setBehavior({ inputTokens: 10, outputTokens: 400, chunkIntervalInMs: 50 });
    const { data: stream, response } = await openai.chat.completions.create({ ...chat, max_tokens: 500, stream: true }).withResponse();
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next();
    const waiting = anthropic.messages.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 50 }).withResponse().catch((error: unknown) => error);
    await waitFor(() => mock.requests.length === 2);

    const stopped = inProcess.stop(200);
    let streamError: unknown;
    try {
      for (let next = await chunks.next(); next.done !== true; next = await chunks.next());
    } catch (error) {
      streamError = error;
    }
    expect(streamError).toBeInstanceOf(OpenAI.APIError);
    expect((streamError as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'shutting_down' });
    const waitingError = (await waiting) as InstanceType<typeof Anthropic.APIError>;
    expect(waitingError).toBeInstanceOf(Anthropic.APIError);
    expect(waitingError.status).toBe(503);
    expect(waitingError.error).toMatchObject({ type: 'error', error: { code: 'shutting_down' } });
    expect(waitingError.headers?.get('x-should-retry')).toBe('true');
    expectNoStackTrace(JSON.stringify(waitingError.error));
    await stopped;
    inProcess = undefined;

    const database = readDatabase(sqlitePath);
    try {
      const streamSettle = database.rowsOf(response.headers.get('x-warden-request-id') as string).find((row) => row.type === 'reservation-commit');
      expect(streamSettle).toMatchObject({ status: 'refused', event: { errorCode: 'shutting_down' } });
      // Charged for what was generated before the end, not the whole reservation.
      expect(streamSettle?.cost).toBeGreaterThan(0);
      expect(streamSettle?.cost).toBeLessThan(streamSettle?.event.reservedInNanoUsd as number);
      const waitingSettle = database.rowsOf(waitingError.headers?.get('x-warden-request-id') as string).find((row) => row.type === 'reservation-commit');
      expect(waitingSettle).toMatchObject({ status: 'refused', event: { errorCode: 'shutting_down' } });
      expect(database.reservations()).toBe(0);
      expect(database.lines().every((line) => line.reserved === 0)).toBe(true);
    } finally {
      database.close();
    }
  });
});

describe('SIGKILL on the embedded SQLite store', () => {
  it('leases of the killed calls expire after a restart; committed calls are in the ledger once and charged once', async () => {
    const config = gatewayConfig({ estimation: { leaseInSeconds: 2 } });
    mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const doomed = await startReplica({ directory, index: 1, config });
    replicas.push(doomed);
    const key = await createKey(doomed.url);
    const openai = new OpenAI({ apiKey: key, baseURL: `${doomed.url}/v1`, maxRetries: 0, defaultHeaders: headers });
    const warmUps = await Promise.all([0, 1].map(() => openai.chat.completions.create(chat).withResponse()));
    const warmUpIds = warmUps.map(({ response }) => response.headers.get('x-warden-request-id') as string);

    mock.setBehavior({ inputTokens: 10, outputTokens: 60, chunkIntervalInMs: 500 });
    const streams = await Promise.all([0, 1, 2].map(() => openai.chat.completions.create({ ...chat, stream: true }).withResponse()));
    const streamIds = streams.map(({ response }) => response.headers.get('x-warden-request-id') as string);
    // The first chunk of each arrived: all three reached the upstream and hold reservations.
    await Promise.all(streams.map(({ data }) => data[Symbol.asyncIterator]().next()));

    const path = join(directory, 'replica-1', 'warden.db');
    const before = readDatabase(path);
    try {
      // The file has everything up to now (it is written in 50 ms batches): the warm-ups settled, the streams reserved.
      await waitFor(() => before.reservations() === 3 && streamIds.every((id) => before.rowsOf(id).some((row) => row.type === 'reservation-create')) && warmUpIds.every((id) => before.rowsOf(id).some((row) => row.type === 'reservation-commit')));
    } finally {
      before.close();
    }
    await doomed.kill();
    const killed = readDatabase(path);
    const linesAtKill = killed.lines();
    killed.close();
    expect(linesAtKill.every((line) => line.reserved > 0)).toBe(true);

    mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const restarted = await startReplica({ directory, index: 1, config });
    replicas.push(restarted);
    const again = new OpenAI({ apiKey: key, baseURL: `${restarted.url}/v1`, maxRetries: 0, defaultHeaders: headers });
    const afterIds: string[] = [];
    const after = readDatabase(path);
    try {
      // Nothing renews a dead process's leases: they end after estimation.leaseInSeconds, and the next budget operation reclaims them.
      await waitFor(async () => {
        const { response } = await again.chat.completions.create(chat).withResponse();
        afterIds.push(response.headers.get('x-warden-request-id') as string);
        await new Promise((resolve) => setTimeout(resolve, 200));
        return after.reservations() === 0 && after.lines().every((line) => line.reserved === 0);
      }, 15_000);
      const committedIds = [...warmUpIds, ...afterIds];
      const consistent = (): boolean => {
        const costs = after.commitCostsByRequest();
        const total = [...costs.values()].reduce((sum, charged) => sum + charged.reduce((one, cost) => one + cost, 0), 0);
        return committedIds.every((id) => costs.has(id)) && after.lines().every((line) => line.committed === total);
      };
      // The ledger and the budget lines reach the file in their own 50 ms batches.
      await waitFor(consistent).catch(() => undefined);
      const costs = after.commitCostsByRequest();
      expect([...costs.keys()].sort()).toEqual([...committedIds].sort());
      for (const [requestId, charged] of costs) expect(charged, requestId).toHaveLength(1);
      for (const requestId of streamIds) {
        expect(after.rowsOf(requestId).map((row) => row.type)).toEqual(['reservation-create']);
      }
      const total = [...costs.values()].reduce((sum, [cost]) => sum + (cost ?? 0), 0);
      for (const line of after.lines()) expect([line.key, line.committed, line.reserved]).toEqual([line.key, total, 0]);
    } finally {
      after.close();
    }
    await restarted.stop();
    expect(restarted.process.exitCode, restarted.output()).toBe(0);
  });
});
