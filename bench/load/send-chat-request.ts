import type { Dispatcher } from 'undici';

/** Where a load generator sends its requests, the key it presents there, and headers the subject needs. */
export interface LoadTarget {
  name: string;
  url: string;
  apiKey: string;
  headers: Readonly<Record<string, string>>;
  /** The subject's process, when it has its own (not for `direct`): its memory is sampled in W3. */
  pid?: number;
}

/** A chat completion body of the bench's shape, its user message padded with prose to `sizeInBytes` in all when given. */
export function chatBody(options: { stream?: boolean; sizeInBytes?: number } = {}): string {
  const body = (content: string): string =>
    JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a terse assistant.' },
        { role: 'user', content },
      ],
      max_tokens: 64,
      ...(options.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
  const question = 'In one sentence, why do benchmarks interleave their subjects?';
  const base = body(question);
  if (options.sizeInBytes === undefined || options.sizeInBytes <= base.length) return base;
  const sentence = 'Agents resend their history on every call, so request bodies grow with the conversation. ';
  const padding = sentence.repeat(Math.ceil((options.sizeInBytes - base.length) / sentence.length)).slice(0, options.sizeInBytes - base.length - 1);
  return body(`${padding} ${question}`);
}

/** The one request every subject gets in W1 and W2: a small non-streaming chat completion. */
export const chatRequestBody = chatBody();

/** Counts failed requests (any status but 200, or a transport error) and keeps the first few reasons. */
export class ErrorTally {
  count = 0;
  readonly samples: string[] = [];

  add(problem: string): void {
    this.count += 1;
    if (this.samples.length < 3) this.samples.push(problem);
  }
}

/** The request headers for `target`: JSON, its key, and its own headers. */
export function requestHeaders(target: Pick<LoadTarget, 'apiKey' | 'headers'>): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${target.apiKey}`, ...target.headers };
}

/**
 * Sends a chat request on `dispatcher` and reads the whole answer. Returns undefined for a 200,
 * otherwise what went wrong (status and the start of the body, or the transport error).
 */
export async function sendChatRequest(dispatcher: Dispatcher, target: Pick<LoadTarget, 'apiKey' | 'headers'>, body: string = chatRequestBody): Promise<string | undefined> {
  try {
    const { statusCode, body: answer } = await dispatcher.request({ method: 'POST', path: '/v1/chat/completions', headers: requestHeaders(target), body });
    if (statusCode === 200) {
      await answer.arrayBuffer();
      return undefined;
    }
    const text = await answer.text();
    return `HTTP ${statusCode}: ${text.slice(0, 300)}`;
  } catch (error) {
    return `request failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
