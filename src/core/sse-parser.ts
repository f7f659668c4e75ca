/** One server-sent event: `event` is absent when the stream gave no `event:` field. */
export interface SseEvent {
  event?: string;
  data: string;
}

/** Incremental SSE parser: feed bytes as they arrive, collect the events they complete. */
export interface SseParser {
  /** Parses a chunk, which may end anywhere (mid-line, mid-character, between `\r` and `\n`). */
  push(chunk: Uint8Array): SseEvent[];
  /** Ends the stream: returns the last event even if its closing blank line never came. */
  end(): SseEvent[];
}

const lineFeed = 0x0a;
const carriageReturn = 0x0d;
const byteOrderMark = '\uFEFF';

/**
 * Creates a parser for `text/event-stream` bytes (WHATWG SSE rules, minus `id`/`retry`,
 * which nothing here needs). Scans bytes for line ends and decodes only whole lines.
 * @example const parser = createSseParser(); for (const event of parser.push(bytes)) handle(event);
 */
export function createSseParser(): SseParser {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let partialLine: Uint8Array[] = [];
  let skipLineFeed = false;
  let isFirstLine = true;
  let eventType = '';
  let dataLines: string[] = [];

  function takeLine(text: string, events: SseEvent[]): void {
    let line = text;
    if (isFirstLine) {
      isFirstLine = false;
      if (line.startsWith(byteOrderMark)) line = line.slice(1);
    }
    if (line === '') {
      dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') dataLines.push(value);
    else if (field === 'event') eventType = value;
  }

  /** Splits text that ends with a line terminator into lines; `\r\n`, `\r` and `\n` all end one. */
  function takeLines(text: string, events: SseEvent[]): void {
    let position = 0;
    let nextLineFeed = text.indexOf('\n');
    let nextCarriageReturn = text.indexOf('\r');
    while (position < text.length) {
      const isCarriageReturn = nextLineFeed === -1 || (nextCarriageReturn !== -1 && nextCarriageReturn < nextLineFeed);
      const lineEnd = isCarriageReturn ? nextCarriageReturn : nextLineFeed;
      takeLine(text.slice(position, lineEnd), events);
      position = lineEnd + 1;
      if (isCarriageReturn && text.charCodeAt(position) === lineFeed) position += 1;
      // Each terminator is searched for again only once passed: no per-character JS loop.
      if (nextLineFeed !== -1 && nextLineFeed < position) nextLineFeed = text.indexOf('\n', position);
      if (nextCarriageReturn !== -1 && nextCarriageReturn < position) nextCarriageReturn = text.indexOf('\r', position);
    }
  }

  function dispatch(events: SseEvent[]): void {
    if (dataLines.length > 0) {
      const data = dataLines.length === 1 ? (dataLines[0] ?? '') : dataLines.join('\n');
      events.push(eventType === '' ? { data } : { event: eventType, data });
    }
    eventType = '';
    dataLines = [];
  }

  function joinPartialLine(tail: Uint8Array): Uint8Array {
    if (partialLine.length === 0) return tail;
    let length = tail.length;
    for (const piece of partialLine) length += piece.length;
    const joined = new Uint8Array(length);
    let offset = 0;
    for (const piece of partialLine) {
      joined.set(piece, offset);
      offset += piece.length;
    }
    joined.set(tail, offset);
    partialLine = [];
    return joined;
  }

  return {
    push(chunk) {
      const events: SseEvent[] = [];
      let start = 0;
      if (skipLineFeed && chunk.length > 0) {
        skipLineFeed = false;
        if (chunk[0] === lineFeed) start = 1;
      }
      const lastLineFeed = chunk.lastIndexOf(lineFeed);
      // Only the tail after the last `\n` can hold a later `\r`; most streams have none at all.
      const tailCarriageReturn = chunk.subarray(lastLineFeed + 1).lastIndexOf(carriageReturn);
      const lastTerminator = tailCarriageReturn === -1 ? lastLineFeed : lastLineFeed + 1 + tailCarriageReturn;
      if (lastTerminator >= start) {
        // One decode per chunk, of whole lines only, so no UTF-8 sequence is ever cut.
        takeLines(decoder.decode(joinPartialLine(chunk.subarray(start, lastTerminator + 1))), events);
        start = lastTerminator + 1;
        // A `\r` ending the chunk may be the first half of `\r\n`.
        skipLineFeed = chunk[lastTerminator] === carriageReturn && start === chunk.length;
      }
      // Copy: the caller may reuse its buffer once push returns.
      if (start < chunk.length) partialLine.push(chunk.slice(start));
      return events;
    },
    end() {
      const events: SseEvent[] = [];
      // A stream cut before its final blank line may still carry the usage we must charge.
      if (partialLine.length > 0) takeLine(decoder.decode(joinPartialLine(new Uint8Array(0))), events);
      dispatch(events);
      skipLineFeed = false;
      isFirstLine = true;
      return events;
    },
  };
}
