import type { LedgerRow } from '../core/ledger-event.js';
import { percentile } from './percentiles.js';

/** Parts of a call's latency the ledger records (data.queueInMs, upstreamInMs, timeToFirstByteInMs, totalInMs). */
export type LatencyPart = 'total' | 'queue' | 'upstream' | 'firstToken';
export const latencyParts: readonly LatencyPart[] = ['total', 'queue', 'upstream', 'firstToken'];

/** p50 and p95 of each part over the calls kept, in ms; absent where no call had that part. */
export type LatencySummary = Record<LatencyPart, { p50: number; p95: number; samples: number } | undefined>;

/** The latest answered calls' latency split, for percentiles. */
export interface LatencySamples {
  add(row: LedgerRow): void;
  summary(): LatencySummary;
}

/** Keeps the last `size` values of each latency part in a ring. */
export function createLatencySamples(size = 2_000): LatencySamples {
  const rings = new Map<LatencyPart, { values: number[]; next: number }>(latencyParts.map((part) => [part, { values: [], next: 0 }]));
  const push = (part: LatencyPart, value: unknown): void => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    const ring = rings.get(part) as { values: number[]; next: number };
    if (ring.values.length < size) ring.values.push(value);
    else ring.values[ring.next] = value;
    ring.next = (ring.next + 1) % size;
  };
  return {
    add(row) {
      const data = row.data ?? {};
      push('total', data.totalInMs ?? row.latencyInMs);
      push('queue', data.queueInMs);
      push('upstream', data.upstreamInMs);
      push('firstToken', data.timeToFirstByteInMs ?? row.timeToFirstTokenInMs);
    },
    summary() {
      const result = {} as LatencySummary;
      for (const [part, ring] of rings) {
        const sorted = [...ring.values].sort((left, right) => left - right);
        result[part] = sorted.length === 0 ? undefined : { p50: percentile(sorted, 50), p95: percentile(sorted, 95), samples: sorted.length };
      }
      return result;
    },
  };
}
