import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiryHeap } from './expiry-heap.js';

interface Timed {
  id: number;
  dueAtInMs: number;
  heapIndex: number;
}

describe('ExpiryHeap', () => {
  it('pops in order of due time after any mix of pushes and removals', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean())), (steps) => {
        const heap = new ExpiryHeap<Timed>((entry) => entry.dueAtInMs);
        const kept: Timed[] = [];
        const entries = steps.map(([dueAtInMs], id) => ({ id, dueAtInMs, heapIndex: -1 }));
        for (const entry of entries) heap.push(entry);
        steps.forEach(([, remove], index) => {
          const entry = entries[index] as Timed;
          if (remove) heap.remove(entry);
          else kept.push(entry);
        });
        expect(heap.size).toBe(kept.length);
        const popped: number[] = [];
        for (let entry = heap.pop(); entry !== undefined; entry = heap.pop()) {
          expect(entry.heapIndex).toBe(-1);
          popped.push(entry.dueAtInMs);
        }
        expect(popped).toEqual(kept.map((entry) => entry.dueAtInMs).sort((a, b) => a - b));
      }),
    );
  });

  it('ignores removal of an entry that is not in the heap', () => {
    const heap = new ExpiryHeap<Timed>((entry) => entry.dueAtInMs);
    const inside = { id: 1, dueAtInMs: 5, heapIndex: -1 };
    heap.push(inside);
    heap.remove({ id: 2, dueAtInMs: 1, heapIndex: 0 });
    expect(heap.peek()).toBe(inside);
  });
});
