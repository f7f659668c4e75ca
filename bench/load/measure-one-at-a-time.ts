import { Client } from 'undici';
import { ErrorTally, sendChatRequest, type LoadTarget } from './send-chat-request.js';
import { summarizeLatency, type LatencySummary } from './summarize-latency.js';

/** One round of one-at-a-time requests for one subject. */
export interface OneAtATimeRound {
  subject: string;
  latency: LatencySummary;
  errors: ErrorTally;
}

/**
 * One request in flight at a time, interleaved across the targets (a, b, c, b, c, a, c, a, b, …) so
 * drift in the machine hits every subject alike; `warmupPerSubject` first, discarded. Each target has its
 * own keep-alive connection. Latency runs from sending to the last byte of the answer; failed
 * requests are counted and left out of it.
 */
export async function measureOneAtATime(options: {
  targets: readonly LoadTarget[];
  warmupPerSubject: number;
  measuredPerSubject: number;
  body: string;
}): Promise<OneAtATimeRound[]> {
  const { targets, warmupPerSubject, measuredPerSubject, body } = options;
  const subjects = targets.map((target) => ({
    target,
    client: new Client(target.url, { keepAliveTimeout: 60_000, pipelining: 1 }),
    samplesInNs: [] as number[],
    errors: new ErrorTally(),
  }));
  try {
    for (let iteration = -warmupPerSubject; iteration < measuredPerSubject; iteration += 1) {
      // The order rotates each iteration: the subjects share a core, and whatever one leaves running
      // after its answer (timers, GC) must not always land on the same successor.
      const offset = ((iteration % subjects.length) + subjects.length) % subjects.length;
      for (let position = 0; position < subjects.length; position += 1) {
        const subject = subjects[(position + offset) % subjects.length] as (typeof subjects)[number];
        const start = process.hrtime.bigint();
        const problem = await sendChatRequest(subject.client, subject.target, body);
        const elapsedInNs = Number(process.hrtime.bigint() - start);
        if (problem !== undefined) subject.errors.add(problem);
        else if (iteration >= 0) subject.samplesInNs.push(elapsedInNs);
      }
    }
  } finally {
    await Promise.all(subjects.map((subject) => subject.client.close()));
  }
  return subjects.map((subject) => ({ subject: subject.target.name, latency: summarizeLatency(subject.samplesInNs), errors: subject.errors }));
}
