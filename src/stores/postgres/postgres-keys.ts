import pg from 'pg';
import type { VirtualKeyRecord } from '../../core/control-records.js';
import { WardenError } from '../../core/warden-error.js';
import { duplicateKeyHashError } from '../duplicate-key-hash-error.js';

interface KeyRow {
  id: string;
  hash: string;
  created_at_in_ms: string;
  revoked_at_in_ms: string | null;
  record: KeyJson;
}

type KeyJson = Omit<VirtualKeyRecord, 'id' | 'hash' | 'createdAtInMs' | 'revokedAtInMs'>;

const keyColumns = 'id, hash, created_at_in_ms, revoked_at_in_ms, record';

/**
 * Virtual keys in PostgreSQL, shared by every replica. Each write is its own statement, committed
 * when the call returns. The unique hash constraint, not a read before the write, keeps two ids
 * from sharing a secret, so replicas creating keys at once cannot both win.
 */
export class PostgresKeys {
  private readonly table: string;

  constructor(
    private readonly pool: pg.Pool,
    /** The quoted schema name, and where it lives for messages (the URL without its password). */
    private readonly options: { schema: string; location: string },
  ) {
    this.table = `${options.schema}.virtual_keys`;
  }

  async put(key: VirtualKeyRecord): Promise<void> {
    const { id, hash, createdAtInMs, revokedAtInMs, ...rest } = key;
    const json: KeyJson = rest;
    try {
      await this.pool.query(
        `INSERT INTO ${this.table} (${keyColumns}) VALUES ($1, $2, $3, $4, $5::jsonb)
         ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, created_at_in_ms = excluded.created_at_in_ms,
           revoked_at_in_ms = excluded.revoked_at_in_ms, record = excluded.record`,
        [id, hash, createdAtInMs, revokedAtInMs ?? null, JSON.stringify(json)],
      );
    } catch (cause) {
      if (cause instanceof pg.DatabaseError && cause.code === '23505' && cause.constraint === 'virtual_keys_hash_unique') {
        const holder = await this.findByHash(hash);
        throw duplicateKeyHashError(id, holder?.id ?? 'another key');
      }
      throw this.unavailable(`Could not save key "${id}"`, cause);
    }
  }

  async findByHash(hash: string): Promise<VirtualKeyRecord | undefined> {
    return this.findOne('hash', hash, 'Could not look up a key by hash');
  }

  async findById(id: string): Promise<VirtualKeyRecord | undefined> {
    return this.findOne('id', id, `Could not look up key "${id}"`);
  }

  /** Oldest first: by creation time, then by insertion. */
  async list(): Promise<VirtualKeyRecord[]> {
    try {
      const result = await this.pool.query<KeyRow>(`SELECT ${keyColumns} FROM ${this.table} ORDER BY created_at_in_ms, sequence`);
      return result.rows.map(toKey);
    } catch (cause) {
      throw this.unavailable('Could not list keys', cause);
    }
  }

  private async findOne(column: 'id' | 'hash', value: string, failure: string): Promise<VirtualKeyRecord | undefined> {
    try {
      const result = await this.pool.query<KeyRow>(`SELECT ${keyColumns} FROM ${this.table} WHERE ${column} = $1`, [value]);
      const row = result.rows[0];
      return row === undefined ? undefined : toKey(row);
    } catch (cause) {
      throw this.unavailable(failure, cause);
    }
  }

  private unavailable(failure: string, cause: unknown): WardenError {
    return new WardenError('store_unavailable', `${failure} in PostgreSQL at ${this.options.location}; check that PostgreSQL is running and reachable, then retry.`, { cause });
  }
}

function toKey(row: KeyRow): VirtualKeyRecord {
  const key: VirtualKeyRecord = { id: row.id, hash: row.hash, ...row.record, createdAtInMs: Number(row.created_at_in_ms) };
  if (row.revoked_at_in_ms !== null) key.revokedAtInMs = Number(row.revoked_at_in_ms);
  return key;
}
