import type { IncomingMessage } from 'node:http';
import { WardenError } from '../core/warden-error.js';

/** Reads a request body up to `maxBodyInBytes`; a larger one is refused with payload_too_large. */
export function readBody(request: IncomingMessage, maxBodyInBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyInBytes) {
    request.resume();
    return Promise.reject(tooLarge(maxBodyInBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBodyInBytes) {
        request.off('data', onData);
        request.resume();
        reject(tooLarge(maxBodyInBytes));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    request.once('error', (cause) => reject(new WardenError('invalid_request', 'The request body could not be read to the end; send it again.', { cause })));
  });
}

function tooLarge(maxBodyInBytes: number): WardenError {
  return new WardenError(
    'payload_too_large',
    `The request body is larger than ${maxBodyInBytes} bytes. Send a smaller request, or raise server.maxBodyInBytes in the config.`,
    { details: { maxBodyInBytes } },
  );
}

/** Parses a JSON object body; anything else is invalid_request with what was wrong. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new WardenError('invalid_request', `The request body is not valid JSON (${cause instanceof Error ? cause.message : 'parse error'}). Send a JSON object.`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WardenError('invalid_request', 'The request body must be a JSON object, like {"model": "...", "messages": [...]}.');
  }
  // Deeper bodies would overflow the stack of every recursive walk after this one (JSON.stringify first).
  // Nesting n deep takes 2n characters at least, so a short body needs no walk.
  if (text.length > 2 * maxJsonDepth && nestsDeeperThan(value, maxJsonDepth)) {
    throw new WardenError('invalid_request', `The request body nests arrays and objects more than ${maxJsonDepth} levels deep; flatten it.`, { details: { maxJsonDepth } });
  }
  return value as Record<string, unknown>;
}

const maxJsonDepth = 256;

/** Whether parsed JSON nests arrays and objects deeper than `limit`, walked without recursion (it visits containers only). */
function nestsDeeperThan(value: object, limit: number): boolean {
  const containers: object[] = [value];
  const depths: number[] = [1];
  const visit = (item: unknown, depth: number): void => {
    if (typeof item === 'object' && item !== null) {
      containers.push(item);
      depths.push(depth + 1);
    }
  };
  while (containers.length > 0) {
    const container = containers.pop() as object;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    if (Array.isArray(container)) for (const item of container) visit(item, depth);
    else for (const name in container) visit((container as Record<string, unknown>)[name], depth);
  }
  return false;
}
