import { countMockTextTokens, imagePartTokens } from './mock-tokens.js';

/** Lifetime of an Anthropic cache breakpoint. */
export type CacheTtl = '5m' | '1h';

/** A point in the prompt where a cached prefix may end: tokens so far and a hash of the prefix. */
export interface InputBoundary {
  tokens: number;
  hash: number;
  /** Set where the request asked for a cache breakpoint (Anthropic `cache_control`). */
  breakpointTtl: CacheTtl | undefined;
}

/** Running count of a request's input tokens and, when hashing, of its prefix boundaries. */
export interface InputTally {
  readonly tokens: number;
  readonly boundaries: readonly InputBoundary[];
  /** Counts `tokens` and feeds `identity` (what makes this part of the prompt what it is) to the hash. */
  add(tokens: number, identity: string): void;
  /** Marks the end of a message or block as a place a cached prefix may end. */
  mark(breakpointTtl?: CacheTtl): void;
}

/**
 * Starts a tally. Without hashing it only counts, which is all the mock needs when prompt
 * caching is off, so the hot path does not hash every prompt character.
 */
export function createInputTally(options: { hashing: boolean; seed: string }): InputTally {
  let tokens = 0;
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  const boundaries: InputBoundary[] = [];
  const feed = (text: string): void => {
    // Two 32-bit FNV-1a lanes: 53 usable bits keep collisions out of any realistic test.
    for (let index = 0; index < text.length; index += 1) {
      const code = text.charCodeAt(index);
      low = Math.imul(low ^ code, 0x01000193) >>> 0;
      high = Math.imul(high ^ code, 0x9e3779b1) >>> 0;
    }
    // A separator, so that ['ab', 'c'] and ['a', 'bc'] hash differently.
    low = Math.imul(low ^ 0x1f, 0x01000193) >>> 0;
  };
  if (options.hashing) feed(options.seed);
  return {
    get tokens() {
      return tokens;
    },
    boundaries,
    add(count, identity) {
      tokens += count;
      if (options.hashing) feed(identity);
    },
    mark(breakpointTtl) {
      if (!options.hashing) return;
      boundaries.push({ tokens, hash: (high & 0x1fffff) * 0x100000000 + low, breakpointTtl });
    },
  };
}

/** Narrows an unknown JSON value to a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringifyForCount(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

function isMediaPart(type: unknown): boolean {
  return typeof type === 'string' && /image|audio|file|document/.test(type);
}

/** Adds one content part (text, image, tool call or result) to the tally. */
export function tallyContentPart(tally: InputTally, part: unknown): void {
  if (typeof part === 'string') {
    tally.add(countMockTextTokens(part), part);
    return;
  }
  if (!isRecord(part)) return;
  if (typeof part.text === 'string') {
    tally.add(countMockTextTokens(part.text), part.text);
  } else if (typeof part.thinking === 'string') {
    tally.add(countMockTextTokens(part.thinking), part.thinking);
  } else if (isMediaPart(part.type)) {
    tally.add(imagePartTokens, stringifyForCount(part));
  } else {
    const text = stringifyForCount(part);
    tally.add(countMockTextTokens(text), text);
  }
}

/** Adds a whole JSON value (tool list, tool call, opaque item) by the length of its JSON text. */
export function tallyJson(tally: InputTally, value: unknown): void {
  if (value === undefined || value === null) return;
  const text = stringifyForCount(value);
  tally.add(countMockTextTokens(text), text);
}

/** The `cache_control` breakpoint of an Anthropic block, if it has one. */
export function breakpointOf(block: unknown): CacheTtl | undefined {
  if (!isRecord(block) || !isRecord(block.cache_control)) return undefined;
  return block.cache_control.ttl === '1h' ? '1h' : '5m';
}
