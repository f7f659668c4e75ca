import type { Dispatcher } from 'undici';
import { chatBody, requestHeaders, type LoadTarget } from '../load/send-chat-request.js';

/** The kinds of request the soak mixes, and what each should end as. */
export type SoakKind = 'json' | 'stream' | 'upstream-500' | 'upstream-429' | 'upstream-cut-stream' | 'client-abort-stream' | 'client-abort-early';

/** Per hundred requests: mostly plain calls, a quarter streamed, one in seven a fault of some kind. */
const mixPerHundred: ReadonlyArray<readonly [SoakKind, number]> = [
  ['json', 60],
  ['stream', 25],
  ['upstream-500', 4],
  ['upstream-429', 2],
  ['upstream-cut-stream', 4],
  ['client-abort-stream', 3],
  ['client-abort-early', 2],
];

const cycle: readonly SoakKind[] = mixPerHundred.flatMap(([kind, count]) => Array.from({ length: count }, () => kind));

/** The kind of the `index`-th request: the mix, spread evenly rather than in runs (a stride coprime with 100). */
export function soakKindAt(index: number): SoakKind {
  return cycle[(index * 37) % cycle.length] as SoakKind;
}

/** How one request ended, from the client's side. */
export interface SoakOutcome {
  kind: SoakKind;
  /** `200`, another status, `complete`/`incomplete` for streams, `aborted` for the client's own aborts, `transport` for a socket error. */
  result: string;
  /** True when the result is what the kind should produce. */
  expected: boolean;
  problem?: string;
}

const streamBody = chatBody({ stream: true });
const jsonBody = chatBody();

/** Sends one soak request of `kind` and reads its answer to the end (or aborts it, for the abort kinds). */
export async function sendSoakRequest(dispatcher: Dispatcher, target: LoadTarget, kind: SoakKind): Promise<SoakOutcome> {
  const headers: Record<string, string> = { ...requestHeaders(target) };
  const streamed = kind === 'stream' || kind === 'upstream-cut-stream' || kind === 'client-abort-stream';
  if (kind === 'upstream-500') headers['x-mock-error'] = 'server-error';
  if (kind === 'upstream-429') Object.assign(headers, { 'x-mock-error': 'rate-limit', 'x-mock-retry-after-ms': '20' });
  if (kind === 'upstream-cut-stream') Object.assign(headers, { 'x-mock-error': 'disconnect', 'x-mock-disconnect-after-tokens': '5' });
  if (kind === 'client-abort-early') headers['x-mock-latency-ms'] = '200';
  const abort = new AbortController();
  if (kind === 'client-abort-early') setTimeout(() => abort.abort(), 30);
  try {
    const answer = await dispatcher.request({ method: 'POST', path: '/v1/chat/completions', headers, body: streamed ? streamBody : jsonBody, signal: abort.signal });
    if (!streamed) {
      const text = await answer.body.text();
      const result = String(answer.statusCode);
      if (kind === 'json') return answer.statusCode === 200 ? { kind, result, expected: true } : { kind, result, expected: false, problem: text.slice(0, 200) };
      // An upstream fault must come back as a clean error in the OpenAI shape, never a 200 and never a 500 of Warden's own.
      const clean = answer.statusCode >= 400 && answer.statusCode !== 500 && text.includes('"error"');
      return clean ? { kind, result, expected: true } : { kind, result, expected: false, problem: text.slice(0, 200) };
    }
    if (answer.statusCode !== 200) {
      const text = await answer.body.text();
      return { kind, result: String(answer.statusCode), expected: false, problem: text.slice(0, 200) };
    }
    let text = '';
    for await (const chunk of answer.body) {
      text += (chunk as Buffer).toString('utf8');
      if (kind === 'client-abort-stream' && text.includes('"content"')) {
        abort.abort();
        break;
      }
    }
    if (kind === 'client-abort-stream') return { kind, result: 'aborted', expected: true };
    const complete = text.includes('data: [DONE]') && text.includes('"usage":{');
    if (kind === 'stream') return { kind, result: complete ? 'complete' : 'incomplete', expected: complete, ...(complete ? {} : { problem: text.slice(-200) }) };
    // A stream the upstream cut must not look complete: no [DONE] after a usage chunk.
    return { kind, result: complete ? 'complete' : 'incomplete', expected: !complete };
  } catch (error) {
    if (abort.signal.aborted) return { kind, result: 'aborted', expected: kind === 'client-abort-early' || kind === 'client-abort-stream' };
    const message = error instanceof Error ? error.message : String(error);
    // The gateway may end a cut stream by closing the connection: that is the expected end of that kind.
    return { kind, result: 'transport', expected: kind === 'upstream-cut-stream', problem: message };
  }
}
