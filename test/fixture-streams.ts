import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SseEvent, SseParser } from '../src/core/sse-parser.js';
import { createSeededRandom } from '../src/core/seeded-random.js';

/** The recorded provider responses shared by every checkout: <repo>/../shared/fixtures/. */
export const fixturesDirectory = fileURLToPath(new URL('../../shared/fixtures/', import.meta.url));

/** Every fixture file as `<folder>/<name>`, sorted. README.md is documentation, not a fixture. */
export function listFixtureFiles(): string[] {
  return readdirSync(fixturesDirectory, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.json') || name.endsWith('.chunks.txt'))
    .map((name) => name.split('\\').join('/'))
    .sort();
}

export function readFixtureJson(file: string): unknown {
  return JSON.parse(readFileSync(fixturesDirectory + file, 'utf8'));
}

/**
 * The SSE bytes a live API would send for a `.chunks.txt` file, framed as the fixtures README
 * says per dialect. A file that already holds `event:`/`data:` lines is returned unchanged.
 */
export function frameFixtureStream(file: string): Uint8Array {
  const text = readFileSync(fixturesDirectory + file, 'utf8');
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.some((line) => line.startsWith('data:') || line.startsWith('event:'))) {
    return new TextEncoder().encode(text);
  }
  let framed = '';
  for (const line of lines) {
    if (file.startsWith('anthropic-messages/')) {
      const payload: unknown = JSON.parse(line);
      const type = typeof payload === 'object' && payload !== null && 'type' in payload ? String(payload.type) : '';
      framed += `event: ${type}\n`;
    }
    framed += `data: ${line}\n\n`;
  }
  if (file.startsWith('openai-chat/')) framed += 'data: [DONE]\n\n';
  return new TextEncoder().encode(framed);
}

/** Cuts bytes into chunks of 1..maxChunkLength bytes at random positions. */
export function splitRandomly(bytes: Uint8Array, seed: number, maxChunkLength = 64): Uint8Array[] {
  // Seeded, so a failing random split can be replayed.
  const random = createSeededRandom(seed);
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = Math.min(bytes.length, start + 1 + Math.floor(random() * maxChunkLength));
    chunks.push(bytes.subarray(start, end));
    start = end;
  }
  return chunks;
}

/** Feeds every chunk and ends the stream, returning all events in order. */
export function parseChunks(parser: SseParser, chunks: Iterable<Uint8Array>): SseEvent[] {
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.end());
  return events;
}
