import type { ObservedToolCall } from './loop-observation.js';

/** A tool call of a streamed answer, keyed by where the stream puts it (an index, or an id). */
export interface StreamedToolCall extends ObservedToolCall {
  key: string;
}

/** What one item of a stream (an SSE event, an SDK chunk) does to the tool calls in it. */
export interface ToolCallProgress {
  /** Calls this item carries a part of: it is held until every one of them is decided. */
  touches: readonly string[];
  /** Calls complete once this item is in, to decide now (the item may be their last part, or the first one after). */
  completes: readonly StreamedToolCall[];
}

/** An item that touches no tool call and completes none. */
export const noToolCallProgress: ToolCallProgress = Object.freeze({ touches: Object.freeze([]), completes: Object.freeze([]) });

/**
 * Holds back the items of a stream that carry tool calls until each call is complete and allowed,
 * keeping order: an item behind a held one waits for it; items with no tool call pass at once
 * while nothing is held. A call that is refused is never allowed, so its items never leave.
 */
export interface ToolCallHold<Item> {
  /** Adds the next item: returns the items free to go now and the calls it completed, to decide. */
  push(item: Item, progress: ToolCallProgress): { release: Item[]; decide: readonly StreamedToolCall[] };
  /** Marks a call allowed: returns the items this frees, in order. */
  allow(key: string): Item[];
  /** True while items wait for a decision. */
  readonly holding: boolean;
}

/**
 * Creates a hold for one stream.
 * @example const { release, decide } = hold.push(event, toolCalls.push(event)); write(release); for (const call of decide) if (await allowed(call)) write(hold.allow(call.key));
 */
export function createToolCallHold<Item>(): ToolCallHold<Item> {
  const queue: Array<{ item: Item; touches: readonly string[] }> = [];
  const allowed = new Set<string>();
  const drain = (): Item[] => {
    const freed: Item[] = [];
    while (queue.length > 0 && (queue[0] as (typeof queue)[number]).touches.every((key) => allowed.has(key))) freed.push((queue.shift() as (typeof queue)[number]).item);
    return freed;
  };
  return {
    push(item, progress) {
      const touches = progress.touches.filter((key) => !allowed.has(key));
      // The head of the queue is always waiting for a decision, so anything behind it waits too.
      if (queue.length === 0 && touches.length === 0) return { release: [item], decide: progress.completes };
      queue.push({ item, touches });
      return { release: [], decide: progress.completes };
    },
    allow(key) {
      allowed.add(key);
      return drain();
    },
    get holding() {
      return queue.length > 0;
    },
  };
}
