/** Keeps the first `limitInBytes` bytes of a stream and remembers whether more came. */
export interface BoundedCapture {
  /** Adds a chunk; returns the part of it that was kept, empty once the limit is reached. */
  add(chunk: Buffer): Buffer;
  readonly truncated: boolean;
  text(): string;
}

export function createBoundedCapture(limitInBytes: number): BoundedCapture {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  return {
    add(chunk) {
      const kept = chunk.subarray(0, Math.max(0, limitInBytes - size));
      if (kept.length < chunk.length) truncated = true;
      if (kept.length > 0) chunks.push(kept);
      size += kept.length;
      return kept;
    },
    get truncated() {
      return truncated;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}
