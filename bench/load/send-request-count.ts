import type { Dispatcher } from 'undici';
import { sendChatRequest, type LoadTarget } from './send-chat-request.js';

/** Sends `requests` of the bench's chat request over `concurrency` closed loops, and throws at the first that is not a 200. */
export async function sendRequestCount(options: { dispatcher: Dispatcher; target: Pick<LoadTarget, 'apiKey' | 'headers'>; requests: number; concurrency: number; label: string }): Promise<void> {
  let sent = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (sent < options.requests) {
        sent += 1;
        const problem = await sendChatRequest(options.dispatcher, options.target);
        if (problem !== undefined) throw new Error(`${options.label}: ${problem}`);
      }
    }),
  );
}
