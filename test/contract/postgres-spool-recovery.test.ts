import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/core/ledger-event.js';
import type { RecordStore } from '../../src/core/store.js';
import { createPostgresRecordStore } from '../../src/stores/postgres/postgres-record-store.js';
import { createPostgresTestSchemas } from '../support/postgres-test-schemas.js';
import { testPostgresUrl } from '../support/postgres-test-server.js';
import { createTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js';
import { virtualKey } from './control-contract-cases.js';

const here = dirname(fileURLToPath(import.meta.url));
const schemas = createPostgresTestSchemas();
const scratch = mkdtempSync(join(tmpdir(), 'warden-postgres-recovery-'));
let directories = 0;
const nextDirectory = (): string => join(scratch, `spool-${(directories += 1)}`);
const target = { host: new URL(testPostgresUrl).hostname, port: Number(new URL(testPostgresUrl).port || 5432) };
const event = (requestId: string): LedgerEvent => ({ type: 'reservation-create', timeInMs: 1_000, requestId });

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await schemas.dropAll();
});

describe('PostgreSQL record store: outages and crashes', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  const proxy = async (): Promise<TcpFaultProxy> => {
    const created = await createTcpFaultProxy(target);
    cleanups.push(() => created.close());
    return created;
  };
  const tracked = <Tracked extends RecordStore>(store: Tracked): Tracked => {
    cleanups.push(() => store.close());
    return store;
  };
  const copiesByRequest = async (schema: string): Promise<Record<string, number>> => {
    const rows = await schemas.query<{ request_id: string; copies: string }>(`SELECT request_id, count(*) AS copies FROM "${schema}".ledger GROUP BY request_id`);
    return Object.fromEntries(rows.map((row) => [row.request_id, Number(row.copies)]));
  };

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps events appended while PostgreSQL is down, and writes each once when it is back', async () => {
    const schema = schemas.next();
    const spoolDirectory = nextDirectory();
    const faults = await proxy();
    const url = new URL(faults.urlThrough(testPostgresUrl));
    // Trust authentication ignores a password, so one can be added to check that no message shows it.
    if (url.password === '') url.password = 'hunter2-secret';
    const store = tracked(await createPostgresRecordStore({ url: url.toString(), schema, spoolDirectory, flushIntervalInMs: 10 }));
    await store.append([event('before')]);

    faults.cut();
    const during = [store.append([event('cut-1'), event('cut-2')]), store.append([event('cut-3')])];
    for (const written of during) await expect(written).rejects.toMatchObject({ code: 'store_unavailable' });
    const failure = await store.flush().then(
      () => undefined,
      (error: unknown) => error as Error & { code?: string; details?: Record<string, unknown> },
    );
    expect(failure).toMatchObject({ code: 'store_unavailable', details: { bufferedEvents: 3 } });
    expect(failure?.message).toContain(':***@');
    expect(failure?.message).not.toContain(decodeURIComponent(url.password));
    await expect(store.findKeyById('key_a')).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(await copiesByRequest(schema)).toEqual({ before: 1 });
    expect(store.health()).toMatchObject({ up: false, error: expect.any(String), waiting: 3 });
    expect(store.health().error).not.toContain(decodeURIComponent(url.password));

    faults.restore();
    await store.flush();
    expect((await store.query({})).map((row) => row.requestId)).toEqual(['before', 'cut-1', 'cut-2', 'cut-3']);
    expect(await copiesByRequest(schema)).toEqual({ before: 1, 'cut-1': 1, 'cut-2': 1, 'cut-3': 1 });
    expect(readdirSync(spoolDirectory)).toEqual([]);
    expect(store.health()).toEqual({ up: true, waiting: 0 });
    await store.putKey(virtualKey('key_a'));
    expect(await store.findKeyById('key_a')).toEqual(virtualKey('key_a'));
  });

  describe('a writer process killed while PostgreSQL is down', () => {
    const writerScript = resolve(here, '../support/spool-writer-process.mjs');

    it('leaves its spool alone while it runs, and the next store on the directory writes its events once', async () => {
      const schema = schemas.next();
      const spoolDirectory = nextDirectory();
      const faults = await proxy();
      const writer = startWriter(writerScript, [faults.urlThrough(testPostgresUrl), schema, spoolDirectory]);
      cleanups.push(async () => writer.process.kill('SIGKILL'));
      await writer.next('open');

      faults.cut();
      writer.process.send({ kind: 'append', requestIds: ['k1', 'k2', 'k3'] });
      await writer.next('appended');
      expect(await writer.next('settled')).toEqual({ kind: 'settled', code: 'store_unavailable' });
      writer.process.send({ kind: 'append', requestIds: ['k4'] });
      await writer.next('appended');

      const bystander = tracked(await createPostgresRecordStore({ url: testPostgresUrl, schema, spoolDirectory }));
      expect(await bystander.query({})).toEqual([]);

      const exited = once(writer.process, 'exit');
      writer.process.kill('SIGKILL');
      await exited;
      expect(await copiesByRequest(schema)).toEqual({});

      const successor = tracked(await createPostgresRecordStore({ url: testPostgresUrl, schema, spoolDirectory }));
      expect((await successor.query({})).map((row) => row.requestId)).toEqual(['k1', 'k2', 'k3', 'k4']);
      expect(await copiesByRequest(schema)).toEqual({ k1: 1, k2: 1, k3: 1, k4: 1 });
      expect(readdirSync(spoolDirectory)).toEqual([]);
    });
  });
});

interface WriterMessage {
  kind: string;
  code?: string;
}

/** Forks the writer script and hands out its messages in order, by kind. */
function startWriter(script: string, args: string[]): { process: ChildProcess; next(kind: string): Promise<WriterMessage> } {
  const child = fork(script, args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const received: WriterMessage[] = [];
  const waiting: Array<() => void> = [];
  child.on('message', (message) => {
    received.push(message as WriterMessage);
    for (const wake of waiting.splice(0)) wake();
  });
  const exit = new Promise<never>((_, reject) => {
    child.on('exit', (code, signal) => reject(new Error(`the writer exited (${code ?? signal}) before sending what the test waited for`)));
  });
  // Only a pending next() needs to hear about the exit; unheard, the rejection would count as unhandled.
  exit.catch(() => undefined);
  return {
    process: child,
    async next(kind) {
      for (;;) {
        const index = received.findIndex((message) => message.kind === kind);
        if (index >= 0) return received.splice(index, 1)[0] as WriterMessage;
        await Promise.race([new Promise<void>((wake) => waiting.push(wake)), exit]);
      }
    },
  };
}
