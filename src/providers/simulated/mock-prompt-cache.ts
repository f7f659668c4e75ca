import type { Clock } from '../../core/clock.js';
import type { InputBoundary } from './mock-input-tally.js';

/** Input tokens read from and written to the mock's prompt cache by one request. */
export interface MockCacheHit {
  readTokens: number;
  writeTokens: number;
  /** Part of `writeTokens` written with the one-hour lifetime. */
  writeLongTokens: number;
}

/** The mock upstream's prompt cache: prefixes it has seen, by hash, until they expire. */
export interface MockPromptCache {
  /** OpenAI automatic caching: the longest seen prefix, in 128-token steps; registers this prompt. */
  matchAutomatic(boundaries: readonly InputBoundary[]): number;
  /** Anthropic explicit caching: reads the longest seen prefix, writes up to the last breakpoint. */
  matchBreakpoints(boundaries: readonly InputBoundary[]): MockCacheHit;
  clear(): void;
}

const minuteInMs = 60_000;
const ttlInMs = { '5m': 5 * minuteInMs, '1h': 60 * minuteInMs } as const;
// Anthropic looks for earlier cache hits at most this many blocks before a breakpoint.
const breakpointLookbackBlocks = 20;
const automaticCacheStepTokens = 128;

/** Creates an empty prompt cache with a bounded number of entries. */
export function createMockPromptCache(options: {
  clock: Clock;
  minimumCacheableTokens: number;
  maxEntries?: number;
}): MockPromptCache {
  const { clock, minimumCacheableTokens, maxEntries = 10_000 } = options;
  const expiryByHash = new Map<number, number>();

  const isLive = (hash: number, nowInMs: number): boolean => {
    const expiresAtInMs = expiryByHash.get(hash);
    if (expiresAtInMs === undefined) return false;
    if (expiresAtInMs > nowInMs) return true;
    expiryByHash.delete(hash);
    return false;
  };
  const remember = (hash: number, expiresAtInMs: number): void => {
    // Re-inserting moves the entry to the end, so the oldest entry is always first.
    expiryByHash.delete(hash);
    expiryByHash.set(hash, expiresAtInMs);
    if (expiryByHash.size > maxEntries) {
      const oldest = expiryByHash.keys().next();
      if (oldest.done !== true) expiryByHash.delete(oldest.value);
    }
  };

  return {
    matchAutomatic(boundaries) {
      const nowInMs = clock.now();
      let cachedTokens = 0;
      for (let index = boundaries.length - 1; index >= 0; index -= 1) {
        const boundary = boundaries[index];
        if (boundary === undefined || boundary.tokens < minimumCacheableTokens) break;
        if (isLive(boundary.hash, nowInMs)) {
          cachedTokens = Math.floor(boundary.tokens / automaticCacheStepTokens) * automaticCacheStepTokens;
          break;
        }
      }
      for (const boundary of boundaries) {
        if (boundary.tokens >= minimumCacheableTokens) remember(boundary.hash, nowInMs + ttlInMs['5m']);
      }
      return cachedTokens;
    },
    matchBreakpoints(boundaries) {
      const hit: MockCacheHit = { readTokens: 0, writeTokens: 0, writeLongTokens: 0 };
      let lastBreakpointIndex = -1;
      for (let index = boundaries.length - 1; index >= 0; index -= 1) {
        if (boundaries[index]?.breakpointTtl !== undefined) {
          lastBreakpointIndex = index;
          break;
        }
      }
      const last = boundaries[lastBreakpointIndex];
      if (last === undefined || last.tokens < minimumCacheableTokens) return hit;
      const nowInMs = clock.now();
      const lookbackEnd = Math.max(0, lastBreakpointIndex - breakpointLookbackBlocks);
      for (let index = lastBreakpointIndex; index >= lookbackEnd; index -= 1) {
        const boundary = boundaries[index];
        if (boundary === undefined || boundary.tokens < minimumCacheableTokens) break;
        if (isLive(boundary.hash, nowInMs)) {
          hit.readTokens = boundary.tokens;
          remember(boundary.hash, nowInMs + ttlInMs['5m']);
          break;
        }
      }
      hit.writeTokens = last.tokens - hit.readTokens;
      hit.writeLongTokens = last.breakpointTtl === '1h' ? hit.writeTokens : 0;
      for (const boundary of boundaries) {
        const ttl = boundary.breakpointTtl;
        if (ttl !== undefined && boundary.tokens >= minimumCacheableTokens) remember(boundary.hash, nowInMs + ttlInMs[ttl]);
      }
      return hit;
    },
    clear() {
      expiryByHash.clear();
    },
  };
}
