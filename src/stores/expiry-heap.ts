/** An entry the heap can remove in O(log n): the heap keeps `heapIndex` current (-1 when outside). */
export interface HeapEntry {
  heapIndex: number;
}

/**
 * Min-heap ordered by a due time, with removal of any entry. Stores use it to reclaim expired
 * leases and purge tombstones in order of time instead of scanning every reservation per call.
 */
export class ExpiryHeap<Entry extends HeapEntry> {
  private readonly entries: Entry[] = [];

  constructor(private readonly dueAtInMs: (entry: Entry) => number) {}

  get size(): number {
    return this.entries.length;
  }

  /** The entry due first, without removing it. */
  peek(): Entry | undefined {
    return this.entries[0];
  }

  push(entry: Entry): void {
    entry.heapIndex = this.entries.length;
    this.entries.push(entry);
    this.siftUp(entry.heapIndex);
  }

  pop(): Entry | undefined {
    const first = this.entries[0];
    if (first !== undefined) this.remove(first);
    return first;
  }

  /** Removes the entry if it is in this heap; does nothing otherwise. */
  remove(entry: Entry): void {
    const index = entry.heapIndex;
    if (index < 0 || this.entries[index] !== entry) return;
    const last = this.entries.pop() as Entry;
    entry.heapIndex = -1;
    if (last === entry) return;
    this.entries[index] = last;
    last.heapIndex = index;
    this.siftUp(index);
    this.siftDown(last.heapIndex);
  }

  private siftUp(start: number): void {
    let index = start;
    const entry = this.entries[index] as Entry;
    const due = this.dueAtInMs(entry);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = this.entries[parentIndex] as Entry;
      if (this.dueAtInMs(parent) <= due) break;
      this.entries[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    this.entries[index] = entry;
    entry.heapIndex = index;
  }

  private siftDown(start: number): void {
    let index = start;
    const count = this.entries.length;
    const entry = this.entries[index] as Entry;
    const due = this.dueAtInMs(entry);
    for (;;) {
      const leftIndex = 2 * index + 1;
      if (leftIndex >= count) break;
      const rightIndex = leftIndex + 1;
      let childIndex = leftIndex;
      let child = this.entries[leftIndex] as Entry;
      if (rightIndex < count) {
        const right = this.entries[rightIndex] as Entry;
        if (this.dueAtInMs(right) < this.dueAtInMs(child)) {
          childIndex = rightIndex;
          child = right;
        }
      }
      if (this.dueAtInMs(child) >= due) break;
      this.entries[index] = child;
      child.heapIndex = index;
      index = childIndex;
    }
    this.entries[index] = entry;
    entry.heapIndex = index;
  }
}
