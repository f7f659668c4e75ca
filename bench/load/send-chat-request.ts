import type { Dispatcher } from 'undici';

/** Where a load generator sends its requests, and the key it presents there. */
export interface LoadTarget {
  name: string;
  apiKey: string;
}

/** The one request every subject gets: a small non-streaming chat completion. */
export const chatRequestBody = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a terse assistant.' },
    { role: 'user', content: 'In one sentence, why do benchmarks interleave their subjects?' },
  ],
  max_tokens: 64,
});

/** Counts failed requests (any status but 200, or a transport error) and keeps the first few reasons. */
export class ErrorTally {
  count = 0;
  readonly samples: string[] = [];

  add(problem: string): void {
    this.count += 1;
    if (this.samples.length < 3) this.samples.push(problem);
  }
}

/**
 * Sends the chat request on `dispatcher` and reads the whole answer. Returns undefined for a 200,
 * otherwise what went wrong (status and the start of the body, or the transport error).
 */
export async function sendChatRequest(dispatcher: Dispatcher, apiKey: string): Promise<string | undefined> {
  try {
    const { statusCode, body } = await dispatcher.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: chatRequestBody,
    });
    if (statusCode === 200) {
      await body.arrayBuffer();
      return undefined;
    }
    const text = await body.text();
    return `HTTP ${statusCode}: ${text.slice(0, 300)}`;
  } catch (error) {
    return `request failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
