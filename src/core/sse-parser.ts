/** One server-sent event: `event` is absent when the stream gave no `event:` field. */
export interface SseEvent {
  event?: string;
  data: string;
  /**
   * The event's text as it arrived (with any comment lines before it), only from a parser
   * created with `keepRaw`: the events' raw texts joined are the stream, so a relay that holds
   * some events back can still pass every byte through unchanged.
   */
  raw?: string;
}

/** Incremental SSE parser: feed bytes as they arrive, collect the events they complete. */
export interface SseParser {
  /** Parses a chunk, which may end anywhere (mid-line, mid-character, between `\r` and `\n`). */
  push(chunk: Uint8Array): SseEvent[];
  /** Ends the stream: returns the last event even if its closing blank line never came. */
  end(): SseEvent[];
}

const lineFeed = 0x0a;
const colon = 0x3a;
const space = 0x20;

/**
 * Creates a parser for `text/event-stream` bytes (WHATWG SSE rules, minus `id`/`retry`, which
 * nothing here needs). A streaming TextDecoder holds back split UTF-8 sequences and strips a
 * leading BOM; lines are found with native `indexOf`, never a per-character loop.
 * @example const parser = createSseParser(); for (const event of parser.push(bytes)) handle(event);
 */
export function createSseParser(options: { keepRaw?: boolean } = {}): SseParser {
  const keepRaw = options.keepRaw === true;
  const decoder = new TextDecoder();
  // With keepRaw: the text since the last dispatched event that earlier chunks brought.
  let rawCarry = '';
  // Pieces of a line that spans chunks, joined once when it ends, so a long line costs O(length).
  let partialLine: string[] = [];
  let skipLineFeed = false;
  let eventType = '';
  let dataLines: string[] = [];

  function takeLine(line: string, events: SseEvent[]): void {
    if (line === '') {
      dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === colon) return;
    const colonIndex = line.indexOf(':');
    const field = colonIndex === -1 ? line : line.slice(0, colonIndex);
    let value = colonIndex === -1 ? '' : line.slice(colonIndex + 1);
    if (value.charCodeAt(0) === space) value = value.slice(1);
    if (field === 'data') dataLines.push(value);
    else if (field === 'event') eventType = value;
  }

  function dispatch(events: SseEvent[]): void {
    if (dataLines.length > 0) {
      const data = dataLines.length === 1 ? (dataLines[0] ?? '') : dataLines.join('\n');
      events.push(eventType === '' ? { data } : { event: eventType, data });
    }
    eventType = '';
    dataLines = [];
  }

  function completeLine(lastPiece: string): string {
    if (partialLine.length === 0) return lastPiece;
    partialLine.push(lastPiece);
    const line = partialLine.join('');
    partialLine = [];
    return line;
  }

  return {
    push(chunk) {
      const events: SseEvent[] = [];
      const text = decoder.decode(chunk, { stream: true });
      if (text === '') return events;
      let position = 0;
      let rawStart = 0;
      if (skipLineFeed) {
        skipLineFeed = false;
        if (text.charCodeAt(0) === lineFeed) position = 1;
      }
      let nextLineFeed = text.indexOf('\n', position);
      let nextCarriageReturn = text.indexOf('\r', position);
      while (nextLineFeed !== -1 || nextCarriageReturn !== -1) {
        const isCarriageReturn = nextLineFeed === -1 || (nextCarriageReturn !== -1 && nextCarriageReturn < nextLineFeed);
        const lineEnd = isCarriageReturn ? nextCarriageReturn : nextLineFeed;
        const dispatched = events.length;
        takeLine(completeLine(text.slice(position, lineEnd)), events);
        position = lineEnd + 1;
        if (isCarriageReturn) {
          // A `\r` ending the chunk may be the first half of a `\r\n` split across chunks.
          if (position === text.length) skipLineFeed = true;
          else if (text.charCodeAt(position) === lineFeed) position += 1;
        }
        if (keepRaw && events.length > dispatched) {
          (events[dispatched] as SseEvent).raw = rawCarry + text.slice(rawStart, position);
          rawCarry = '';
          rawStart = position;
        }
        if (nextLineFeed !== -1 && nextLineFeed < position) nextLineFeed = text.indexOf('\n', position);
        if (nextCarriageReturn !== -1 && nextCarriageReturn < position) nextCarriageReturn = text.indexOf('\r', position);
      }
      if (position < text.length) partialLine.push(text.slice(position));
      if (keepRaw) rawCarry += text.slice(rawStart);
      return events;
    },
    end() {
      const events: SseEvent[] = [];
      // Flushing also resets the decoder, so the parser can start a new stream.
      const rest = decoder.decode();
      const line = completeLine(rest);
      // A stream cut before its final blank line may still carry the usage we must charge.
      if (line !== '') takeLine(line, events);
      dispatch(events);
      if (keepRaw && events[0] !== undefined) events[0].raw = rawCarry + rest;
      rawCarry = '';
      skipLineFeed = false;
      return events;
    },
  };
}
