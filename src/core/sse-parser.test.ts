import { describe, expect, it } from 'vitest';
import { frameFixtureStream, listFixtureFiles, parseChunks, splitRandomly } from '../../test/fixture-streams.js';
import { createSseParser, type SseEvent } from './sse-parser.js';

const encoder = new TextEncoder();

function parseText(...chunks: string[]): SseEvent[] {
  return parseChunks(createSseParser(), chunks.map((chunk) => encoder.encode(chunk)));
}

function everyTwoWaySplit(bytes: Uint8Array): Uint8Array[][] {
  const splits: Uint8Array[][] = [];
  for (let position = 0; position <= bytes.length; position += 1) {
    splits.push([bytes.subarray(0, position), bytes.subarray(position)]);
  }
  return splits;
}

function byteByByte(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, index) => bytes.subarray(index, index + 1));
}

describe('createSseParser', () => {
  it('yields one event per blank-line-terminated block, with its event type', () => {
    expect(parseText('event: ping\ndata: {}\n\ndata: second\n\n')).toEqual([
      { event: 'ping', data: '{}' },
      { data: 'second' },
    ]);
  });

  it('joins several data lines with \\n', () => {
    expect(parseText('data: one\ndata: two\ndata:\ndata: four\n\n')).toEqual([{ data: 'one\ntwo\n\nfour' }]);
  });

  it('ignores comments, unknown fields, id and retry', () => {
    expect(parseText(': keep-alive\n\nid: 7\nretry: 1000\nfoo: bar\n: mid-event\ndata: x\n\n')).toEqual([{ data: 'x' }]);
  });

  it('does not dispatch a block without data, and forgets its event type', () => {
    expect(parseText('event: lonely\n\ndata: next\n\n')).toEqual([{ data: 'next' }]);
  });

  it('removes exactly one space after the colon; a field without a colon has an empty value', () => {
    expect(parseText('data:x\n\ndata:  two spaces\n\ndata\n\nevent:typed\ndata:\n\n')).toEqual([
      { data: 'x' },
      { data: ' two spaces' },
      { data: '' },
      { event: 'typed', data: '' },
    ]);
  });

  it('accepts \\r\\n, \\r and \\n line endings, mixed', () => {
    const expected = [{ event: 'a', data: '1\n2' }, { data: '3' }];
    expect(parseText('event: a\r\ndata: 1\r\ndata: 2\r\n\r\ndata: 3\r\n\r\n')).toEqual(expected);
    expect(parseText('event: a\rdata: 1\rdata: 2\r\rdata: 3\r\r')).toEqual(expected);
    expect(parseText('event: a\ndata: 1\r\ndata: 2\r\rdata: 3\n\r\n')).toEqual(expected);
  });

  it('treats \\r\\n split across chunks as one line end, even with an empty chunk between', () => {
    expect(parseText('data: a\r', '\ndata: b\r', '', '\n\r', '\n')).toEqual([{ data: 'a\nb' }]);
    expect(parseText('data: a\r', 'data: b\r', '\r')).toEqual([{ data: 'a\nb' }]);
  });

  it('decodes multi-byte UTF-8 split at every byte position', () => {
    const bytes = encoder.encode('data: héllo ✓ 😀 — ÷\r\n\r\nevent: ü\ndata: 😀\n\n');
    const expected = [{ data: 'héllo ✓ 😀 — ÷' }, { event: 'ü', data: '😀' }];
    for (const chunks of everyTwoWaySplit(bytes)) expect(parseChunks(createSseParser(), chunks)).toEqual(expected);
    expect(parseChunks(createSseParser(), byteByByte(bytes))).toEqual(expected);
  });

  it('strips a byte order mark at the start of the stream only, even when split', () => {
    const bytes = encoder.encode('\uFEFFdata: first\n\n\uFEFFdata: ignored\n\ndata: last\n\n');
    const expected = [{ data: 'first' }, { data: 'last' }];
    for (const chunks of everyTwoWaySplit(bytes.subarray(0, 8))) {
      expect(parseChunks(createSseParser(), [...chunks, bytes.subarray(8)])).toEqual(expected);
    }
  });

  it('replaces a UTF-8 sequence cut off by the end of the stream', () => {
    const bytes = encoder.encode('data: 😀');
    expect(parseChunks(createSseParser(), [bytes.subarray(0, bytes.length - 1)])).toEqual([{ data: '\uFFFD' }]);
  });

  it('on end() dispatches an event whose closing blank line never came', () => {
    expect(parseText('data: done\n')).toEqual([{ data: 'done' }]);
    expect(parseText('event: cut\ndata: {"partial"')).toEqual([{ event: 'cut', data: '{"partial"' }]);
    expect(parseText('data: a\r')).toEqual([{ data: 'a' }]);
    expect(parseText('')).toEqual([]);
  });

  it('with keepRaw, gives each event its text as it arrived, comments and line endings included', () => {
    const text = ': hello\n\nevent: a\r\ndata: 1\r\n\r\nid: 7\ndata:x\r\rdata: tail';
    const parse = (chunks: string[]) => parseChunks(createSseParser({ keepRaw: true }), chunks.map((chunk) => encoder.encode(chunk)));
    const whole = parse([text]);
    expect(whole).toEqual([
      { event: 'a', data: '1', raw: ': hello\n\nevent: a\r\ndata: 1\r\n\r\n' },
      { data: 'x', raw: 'id: 7\ndata:x\r\r' },
      { data: 'tail', raw: 'data: tail' },
    ]);
    for (let position = 0; position <= text.length; position += 1) {
      const split = parse([text.slice(0, position), text.slice(position)]);
      expect(split.map((event) => event.raw).join(''), `split at ${position}`).toBe(text);
      expect(split.map(({ event, data }) => ({ ...(event === undefined ? {} : { event }), data }))).toEqual(whole.map(({ event, data }) => ({ ...(event === undefined ? {} : { event }), data })));
    }
    expect(parseText(text).every((event) => event.raw === undefined)).toBe(true);
  });

  it('keeps pending bytes when the caller reuses its buffer', () => {
    const parser = createSseParser();
    const buffer = encoder.encode('data: abc');
    expect(parser.push(buffer)).toEqual([]);
    buffer.set(encoder.encode('XXXXXXXXX'));
    expect(parser.push(encoder.encode('\n\n'))).toEqual([{ data: 'abc' }]);
  });
});

describe('createSseParser on every recorded stream', () => {
  const streamFiles = listFixtureFiles().filter((file) => file.endsWith('.chunks.txt'));

  it('finds the recorded streams', () => {
    expect(streamFiles.length).toBe(16);
  });

  for (const file of streamFiles) {
    it(`parses ${file} identically however the bytes are split`, () => {
      const bytes = frameFixtureStream(file);
      const whole = parseChunks(createSseParser(), [bytes]);
      expect(whole.length).toBeGreaterThan(2);
      for (const event of whole) {
        if (event.data !== '[DONE]') expect(() => JSON.parse(event.data) as unknown).not.toThrow();
      }
      expect(parseChunks(createSseParser(), byteByByte(bytes))).toEqual(whole);
      for (let seed = 1; seed <= 20; seed += 1) {
        expect(parseChunks(createSseParser(), splitRandomly(bytes, seed, 1 + seed * 7))).toEqual(whole);
      }
      // Every two-way split of the small streams; a sample of positions in the 100 KB one.
      const step = bytes.length > 20_000 ? 97 : 1;
      const parser = createSseParser();
      for (let position = 0; position <= bytes.length; position += step) {
        expect(parseChunks(parser, [bytes.subarray(0, position), bytes.subarray(position)])).toEqual(whole);
      }
      const decoded = new TextDecoder().decode(bytes);
      for (let seed = 1; seed <= 5; seed += 1) {
        const raw = parseChunks(createSseParser({ keepRaw: true }), splitRandomly(bytes, seed, 1 + seed * 7));
        expect(raw.map((event) => event.raw).join('')).toBe(decoded);
      }
    });
  }

  it('gives Anthropic events the type their JSON carries, raw-framed file included', () => {
    for (const file of streamFiles.filter((name) => name.startsWith('anthropic-messages/'))) {
      for (const event of parseChunks(createSseParser(), [frameFixtureStream(file)])) {
        expect(event.event).toBe((JSON.parse(event.data) as { type: string }).type);
      }
    }
  });
});
