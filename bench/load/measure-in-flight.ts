import { Pool } from 'undici';
import { sampleMemory } from './sample-memory.js';
import { ErrorTally, sendChatRequest, type LoadTarget } from './send-chat-request.js';
import { summarizeLatency, type LatencySummary } from './summarize-latency.js';

/** One burst of requests all in flight together against one subject. */
export interface InFlightRun {
  subject: string;
  sent: number;
  succeeded: number;
  /** Failures of both bursts: the warm-up's count too. */
  errors: ErrorTally;
  latency: LatencySummary;
  /** The subject process's peak resident memory during the burst; absent for direct. */
  peakMemoryInBytes?: number;
  memorySource?: 'VmHWM' | 'VmRSS samples';
}

/**
 * Sends `requests` requests at once, each on its own connection, and waits for every answer. A
 * first burst, discarded, opens the connections (client to subject, subject to mock) in steps of
 * `rampStep` (by default 1,000 a second, all still in flight when the last is sent against a 1 s
 * mock), since a thousand connects at once overflow a listen backlog (511 in Node) and the dropped
 * SYNs come back after 1, 3 and 7 s, which would measure the kernel, not the subject. The second
 * burst, all at once on those connections, is measured, with the subject's memory watched.
 */
export async function measureInFlight(options: { target: LoadTarget; requests: number; rampStep?: { requests: number; everyInMs: number } }): Promise<InFlightRun> {
  const { target, requests, rampStep = { requests: 50, everyInMs: 50 } } = options;
  const pool = new Pool(target.url, { connections: requests, pipelining: 1, keepAliveTimeout: 60_000 });
  const burst = async (errors: ErrorTally, ramped: boolean): Promise<number[]> => {
    const latencyInNs: number[] = [];
    await Promise.all(
      Array.from({ length: requests }, async (_, index) => {
        const delayInMs = ramped ? Math.floor(index / rampStep.requests) * rampStep.everyInMs : 0;
        if (delayInMs > 0) await new Promise((resolve) => setTimeout(resolve, delayInMs));
        const start = process.hrtime.bigint();
        const problem = await sendChatRequest(pool, target);
        if (problem === undefined) latencyInNs.push(Number(process.hrtime.bigint() - start));
        else errors.add(problem);
      }),
    );
    return latencyInNs;
  };
  try {
    const errors = new ErrorTally();
    await burst(errors, true);
    const memory = target.pid === undefined ? undefined : sampleMemory(target.pid);
    const latencyInNs = await burst(errors, false);
    const peak = memory?.stop();
    return {
      subject: target.name,
      sent: requests,
      succeeded: latencyInNs.length,
      errors,
      latency: summarizeLatency(latencyInNs),
      ...(peak === undefined ? {} : { peakMemoryInBytes: peak.peakInBytes, memorySource: peak.source }),
    };
  } finally {
    await pool.close();
  }
}
