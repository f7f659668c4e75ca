import type { ServerResponse } from 'node:http';
import type { MockDialect, MockRequestContext } from './mock-request-context.js';

/** One server-sent event, framed, and the output tokens it carries. */
export interface MockStreamEvent {
  text: string;
  outputTokens: number;
}

/** The header that carries the request id in each dialect, which the official SDKs read. */
export const requestIdHeader: Readonly<Record<MockDialect, string>> = {
  openai: 'x-request-id',
  anthropic: 'request-id',
};

/** Frames `data` as an SSE event, with an `event:` line when a name is given. */
export function sseEvent(data: string, eventName?: string): string {
  return eventName === undefined ? `data: ${data}\n\n` : `event: ${eventName}\ndata: ${data}\n\n`;
}

/** Sends a complete JSON answer with its length, so keep-alive connections stay usable. */
export function sendMockJson(options: {
  response: ServerResponse;
  status: number;
  bodyText: string;
  headers: Record<string, string>;
}): void {
  const { response, status, bodyText, headers } = options;
  if (response.destroyed) return;
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(bodyText),
  });
  response.end(bodyText);
}

/**
 * Streams `events`: in one write when there is no chunk interval (so an abort cannot stop it
 * part-way), else one token-carrying event per tick, stopping when the client goes away. A
 * `disconnect` fault cuts the connection after its `afterOutputTokens`.
 */
export function writeMockStream(context: MockRequestContext, events: readonly MockStreamEvent[], dialect: MockDialect): void {
  const { response, plan, record } = context;
  if (response.destroyed) return;
  const cutAfterTokens = plan.fault?.type === 'disconnect' ? (plan.fault.afterOutputTokens ?? 0) : undefined;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    [requestIdHeader[dialect]]: context.requestId,
  });
  if (plan.chunkIntervalInMs === 0 && cutAfterTokens === undefined) {
    let text = '';
    for (const event of events) {
      text += event.text;
      record.outputTokensSent += event.outputTokens;
    }
    response.end(text);
    return;
  }

  let index = 0;
  let timer: NodeJS.Timeout | undefined;
  response.once('close', () => clearTimeout(timer));
  const cut = (text: string): void => {
    record.outcome = 'disconnected';
    // Destroy only once the bytes reached the socket, so the client sees them before the cut.
    response.write(text, () => response.socket?.destroy());
  };
  const writeBatch = (): void => {
    if (response.destroyed) return;
    let text = '';
    let wroteTokens = false;
    while (index < events.length) {
      const event = events[index];
      if (event === undefined) break;
      if (event.outputTokens > 0) {
        if (cutAfterTokens !== undefined && record.outputTokensSent >= cutAfterTokens) return cut(text);
        if (wroteTokens) break;
        wroteTokens = true;
        record.outputTokensSent += event.outputTokens;
      }
      text += event.text;
      index += 1;
    }
    if (index >= events.length) {
      if (cutAfterTokens !== undefined) return cut(text);
      response.end(text);
      return;
    }
    response.write(text);
    timer = setTimeout(writeBatch, plan.chunkIntervalInMs);
  };
  writeBatch();
}
