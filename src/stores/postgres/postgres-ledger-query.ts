import type { LedgerQuery } from '../../core/ledger-event.js';

/**
 * The SELECT for a ledger query on `table` (quoted), with the memory store's semantics: `types`
 * empty means any type, `sinceInMs` inclusive, `untilInMs` exclusive, rows in sequence order.
 * Bounds are rounded to whole numbers the way the bigint columns hold them.
 */
export function postgresLedgerQuery(query: LedgerQuery, table: string): { text: string; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const parameter = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  if (query.types !== undefined && query.types.length > 0) conditions.push(`type = ANY(${parameter(query.types)}::text[])`);
  const equalities: Array<[string, string | undefined]> = [
    ['request_id', query.requestId],
    ['task_id', query.taskId],
    ['key_id', query.keyId],
  ];
  for (const [column, value] of equalities) {
    if (value !== undefined) conditions.push(`${column} = ${parameter(value)}`);
  }
  if (query.sinceInMs !== undefined) conditions.push(`time_in_ms >= ${parameter(Math.ceil(query.sinceInMs))}`);
  if (query.untilInMs !== undefined) conditions.push(`time_in_ms < ${parameter(Math.ceil(query.untilInMs))}`);
  if (query.afterSequence !== undefined) conditions.push(`sequence > ${parameter(Math.floor(query.afterSequence))}`);
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  const limit = query.limit === undefined ? '' : ` LIMIT ${parameter(Math.max(0, Math.floor(query.limit)))}`;
  return { text: `SELECT sequence, event FROM ${table}${where} ORDER BY sequence${limit}`, values };
}
