/**
 * The PostgreSQL schema in steps, each given the quoted schema name; step i moves the schema from
 * version i to i + 1. Append, never edit. Old and new replicas run side by side during a rolling
 * upgrade, so a step must keep working for the Warden before it (add, do not rename or drop).
 */
export const postgresMigrations: ReadonlyArray<(schema: string) => string> = [
  (schema) => `
  CREATE TABLE ${schema}.ledger (
    sequence bigserial PRIMARY KEY,
    -- Given at append, so a batch written twice (a retry after a lost COMMIT reply, a spool replay) lands once.
    event_id text NOT NULL CONSTRAINT ledger_event_id_unique UNIQUE,
    time_in_ms bigint NOT NULL,
    type text NOT NULL,
    request_id text,
    task_id text,
    parent_task_id text,
    key_id text,
    team text,
    model text,
    cost_in_nano_usd bigint,
    status text,
    event jsonb NOT NULL
  );
  CREATE INDEX ledger_by_time ON ${schema}.ledger (time_in_ms);
  CREATE INDEX ledger_by_type ON ${schema}.ledger (type, time_in_ms);
  CREATE INDEX ledger_by_request ON ${schema}.ledger (request_id) WHERE request_id IS NOT NULL;
  CREATE INDEX ledger_by_task ON ${schema}.ledger (task_id) WHERE task_id IS NOT NULL;
  CREATE INDEX ledger_by_key ON ${schema}.ledger (key_id, time_in_ms) WHERE key_id IS NOT NULL;
  CREATE INDEX ledger_by_team ON ${schema}.ledger (team, time_in_ms) WHERE team IS NOT NULL;
  CREATE TABLE ${schema}.virtual_keys (
    -- Insertion order, which breaks ties between keys created in the same millisecond.
    sequence bigserial NOT NULL,
    id text PRIMARY KEY,
    hash text NOT NULL CONSTRAINT virtual_keys_hash_unique UNIQUE,
    created_at_in_ms bigint NOT NULL,
    revoked_at_in_ms bigint,
    record jsonb NOT NULL
  );
  `,
];
