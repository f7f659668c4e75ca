// Plain JavaScript on the built code (npm test builds first), so plain `node` can fork it.
import { isWardenError } from '../../dist/src/core/warden-error.js';
import { createPostgresRecordStore } from '../../dist/src/stores/postgres/postgres-record-store.js';

/**
 * A process that owns one PostgreSQL record store, for crash tests run with child_process.fork:
 * argv is url, schema, spool directory. It sends `{ kind: 'open' }`, then for every
 * `{ kind: 'append', requestIds }` appends one event per id and sends `{ kind: 'appended' }` as soon
 * as append returned (the events are spooled), and later `{ kind: 'settled', code }`.
 */
const [url, schema, spoolDirectory] = process.argv.slice(2);
if (url === undefined || schema === undefined || spoolDirectory === undefined) throw new Error('usage: spool-writer-process <url> <schema> <spool directory>');
const send = (message) => {
  process.send?.(message);
};

const store = await createPostgresRecordStore({ url, schema, spoolDirectory, flushIntervalInMs: 10 });
process.on('message', (message) => {
  if (message.kind !== 'append') return;
  const events = message.requestIds.map((requestId) => ({ type: 'reservation-create', timeInMs: 1_000, requestId }));
  const written = store.append(events);
  send({ kind: 'appended' });
  written.then(
    () => send({ kind: 'settled', code: 'ok' }),
    (error) => send({ kind: 'settled', code: isWardenError(error) ? error.code : String(error) }),
  );
});
send({ kind: 'open' });
