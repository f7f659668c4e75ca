import type { ServerResponse } from 'node:http';
import type { MockFault } from './mock-behavior.js';
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

/** False when a `no-usage` fault asks the answer to leave its usage out. */
export function reportsUsage(context: MockRequestContext): boolean {
  return context.plan.fault?.type !== 'no-usage';
}

/**
 * Sends a route's successful JSON answer; a `reset-mid-body` fault sends its status, headers and
 * first half, then cuts the connection.
 */
export function sendMockAnswer(context: MockRequestContext, answer: { bodyText: string; headers: Record<string, string> }): void {
  const { response, record } = context;
  if (context.plan.fault?.type !== 'reset-mid-body') {
    sendMockJson({ response, status: 200, ...answer });
    return;
  }
  if (response.destroyed) return;
  const bytes = Buffer.from(answer.bodyText);
  response.writeHead(200, { ...answer.headers, 'content-type': 'application/json', 'content-length': bytes.length });
  record.outcome = 'disconnected';
  // Destroy only once the half reached the socket, so the client sees it before the cut.
  response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => response.socket?.destroy());
}

/** A copy of the first event at or after `index` that carries data, its JSON cut in half: what a provider's broken frame looks like. */
function malformedCopy(events: readonly MockStreamEvent[], index: number): MockStreamEvent {
  const source = events.slice(index).find((event) => event.text.includes('data: {')) ?? events[0];
  // Some events carry two frames (Anthropic's block start and ping): copy only the last.
  const frame = (source?.text ?? 'data: {}').trimEnd().split('\n\n').at(-1) ?? 'data: {}';
  const dataStart = frame.lastIndexOf('data: ') + 'data: '.length;
  const data = frame.slice(dataStart);
  return { text: `${frame.slice(0, dataStart)}${data.slice(0, Math.ceil(data.length / 2))}\n\n`, outputTokens: 0 };
}

/** `events` with a malformed event inserted once `afterOutputTokens` output tokens are out. */
function withMalformedEvent(events: readonly MockStreamEvent[], afterOutputTokens: number): MockStreamEvent[] {
  let tokens = 0;
  for (const [index, event] of events.entries()) {
    if (tokens >= afterOutputTokens && event.outputTokens > 0) {
      return [...events.slice(0, index), malformedCopy(events, index), ...events.slice(index)];
    }
    tokens += event.outputTokens;
  }
  return [...events.slice(0, -1), malformedCopy(events, Math.max(0, events.length - 1)), ...events.slice(-1)];
}

/** Output tokens after which the fault cuts the stream, or undefined when it is not cut. */
function cutPoint(fault: MockFault | undefined, events: readonly MockStreamEvent[]): number | undefined {
  if (fault?.type === 'disconnect') return fault.afterOutputTokens ?? 0;
  if (fault?.type === 'reset-mid-body') return Math.floor(events.reduce((sum, event) => sum + event.outputTokens, 0) / 2);
  return undefined;
}

/**
 * Streams `events`: in one write when there is no chunk interval (so an abort cannot stop it
 * part-way), else one token-carrying event per tick, stopping when the client goes away. A
 * `disconnect` fault cuts the connection after its `afterOutputTokens`, `reset-mid-body` halfway;
 * `malformed-sse` slips a truncated event in.
 */
export function writeMockStream(context: MockRequestContext, plannedEvents: readonly MockStreamEvent[], dialect: MockDialect): void {
  const { response, plan, record } = context;
  if (response.destroyed) return;
  const events = plan.fault?.type === 'malformed-sse' ? withMalformedEvent(plannedEvents, plan.fault.afterOutputTokens ?? 1) : plannedEvents;
  const cutAfterTokens = cutPoint(plan.fault, events);
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
