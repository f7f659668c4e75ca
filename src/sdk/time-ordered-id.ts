import { randomFillSync } from 'node:crypto';

const idsPerRefill = 256;
const pool = Buffer.alloc(16 * idsPerRefill);
let offset = pool.length;

/**
 * A UUID version 7: the time in ms, then random bits. Ids that sort by time keep the ledger's
 * request index appending at its end; random ids scatter each batch over the whole index, one
 * page write per row.
 */
export function timeOrderedId(nowInMs: number = Date.now()): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + 16);
  offset += 16;
  bytes.writeUIntBE(nowInMs, 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
