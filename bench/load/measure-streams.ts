import { Pool } from 'undici';
import { ErrorTally, requestHeaders, type LoadTarget } from './send-chat-request.js';

/** One round of streams against one subject: when each content chunk arrived. */
export interface StreamsRun {
  subject: string;
  /** Time from sending to the first chunk with text, per complete stream. */
  timeToFirstTokenInNs: number[];
  /** Time between successive chunks with text, over every complete stream. */
  gapsInNs: number[];
  /** Gaps longer than the stall threshold. */
  stalls: number;
  chunks: number;
  completed: number;
  errors: ErrorTally;
}

/** What one stream's events held, and when its text chunks arrived (ns, from hrtime). */
interface StreamTrace {
  textChunkTimesInNs: bigint[];
  done: boolean;
  usage: boolean;
}

/**
 * Runs `streams` streaming chat completions, `concurrency` at a time on as many connections
 * (`warmupStreams` more first, discarded), the workers' starts spread by `staggerInMs`: streams
 * started together would reach the mock together and queue behind each other there, which adds
 * milliseconds to the time to first token of every subject alike. A stream counts only if it ends with `data: [DONE]`
 * and carried a usage chunk (the request asks for `stream_options.include_usage`); otherwise it
 * is an error.
 */
export async function measureStreams(options: {
  target: LoadTarget;
  body: string;
  streams: number;
  warmupStreams: number;
  concurrency: number;
  stallThresholdInMs: number;
  /** Delay between the workers' first streams, so streams do not start (and end) in lockstep. */
  staggerInMs: number;
}): Promise<StreamsRun> {
  const { target, body, streams, warmupStreams, concurrency, staggerInMs } = options;
  const pool = new Pool(target.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const run: StreamsRun = { subject: target.name, timeToFirstTokenInNs: [], gapsInNs: [], stalls: 0, chunks: 0, completed: 0, errors: new ErrorTally() };
  const stallInNs = options.stallThresholdInMs * 1_000_000;
  let next = -warmupStreams;
  const worker = async (workerIndex: number): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, workerIndex * staggerInMs));
    while (next < streams) {
      const index = next;
      next += 1;
      const start = process.hrtime.bigint();
      const trace = await readStream(pool, target, body).catch((error: unknown) => `request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (typeof trace === 'string' || !trace.done || !trace.usage || trace.textChunkTimesInNs.length === 0) {
        run.errors.add(typeof trace === 'string' ? trace : `stream incomplete: [DONE] ${trace.done}, usage ${trace.usage}, ${trace.textChunkTimesInNs.length} text chunks`);
        continue;
      }
      if (index < 0) continue;
      const times = trace.textChunkTimesInNs;
      run.completed += 1;
      run.chunks += times.length;
      run.timeToFirstTokenInNs.push(Number((times[0] as bigint) - start));
      for (let chunk = 1; chunk < times.length; chunk += 1) {
        const gapInNs = Number((times[chunk] as bigint) - (times[chunk - 1] as bigint));
        run.gapsInNs.push(gapInNs);
        if (gapInNs > stallInNs) run.stalls += 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, (_, workerIndex) => worker(workerIndex)));
  } finally {
    await pool.close();
  }
  return run;
}

async function readStream(pool: Pool, target: LoadTarget, body: string): Promise<StreamTrace | string> {
  const { statusCode, body: answer } = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: requestHeaders(target), body });
  if (statusCode !== 200) return `HTTP ${statusCode}: ${(await answer.text()).slice(0, 300)}`;
  const trace: StreamTrace = { textChunkTimesInNs: [], done: false, usage: false };
  const decoder = new TextDecoder();
  let pending = '';
  for await (const bytes of answer) {
    const arrivedAtInNs = process.hrtime.bigint();
    pending += decoder.decode(bytes as Uint8Array, { stream: true }).replace(/\r/g, '');
    const events = pending.split('\n\n');
    pending = events.pop() ?? '';
    for (const event of events) readEvent(event, arrivedAtInNs, trace);
  }
  return trace;
}

function readEvent(event: string, arrivedAtInNs: bigint, trace: StreamTrace): void {
  for (const line of event.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') {
      trace.done = true;
      continue;
    }
    const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown } }>; usage?: unknown };
    const content = chunk.choices?.[0]?.delta?.content;
    if (typeof content === 'string' && content.length > 0) trace.textChunkTimesInNs.push(arrivedAtInNs);
    if (typeof chunk.usage === 'object' && chunk.usage !== null) trace.usage = true;
  }
}
