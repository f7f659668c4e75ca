/** One SSE frame carrying `payload` as JSON, with an `event:` line when `event` is given. */
export function formatSseFrame(payload: unknown, event?: string): string {
  const data = `data: ${JSON.stringify(payload)}\n\n`;
  return event === undefined ? data : `event: ${event}\n${data}`;
}

/** The sentinel that ends an OpenAI chat stream. */
export const chatStreamDoneFrame = 'data: [DONE]\n\n';
