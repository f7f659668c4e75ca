import { Client } from 'undici';
import { ErrorTally, sendChatRequest, type LoadTarget } from './send-chat-request.js';
import { summarizeLatency, type LatencySummary } from './summarize-latency.js';

export interface OneAtATimeResult {
  subject: string;
  latency: LatencySummary;
  errors: number;
  errorSamples: string[];
}

/**
 * W1: one request in flight at a time, interleaved across the targets (a, b, c, a, b, c, …) so
 * drift in the machine hits every subject alike. Each target has its own keep-alive connection.
 * Failed requests are counted and left out of the latency.
 */
export async function measureOneAtATime(options: {
  targets: ReadonlyArray<LoadTarget & { url: string }>;
  warmupPerSubject: number;
  measuredPerSubject: number;
}): Promise<OneAtATimeResult[]> {
  const { targets, warmupPerSubject, measuredPerSubject } = options;
  const subjects = targets.map((target) => ({
    target,
    client: new Client(target.url, { keepAliveTimeout: 60_000, pipelining: 1 }),
    samplesInNs: [] as number[],
    errors: new ErrorTally(),
  }));
  try {
    for (let iteration = -warmupPerSubject; iteration < measuredPerSubject; iteration += 1) {
      for (const subject of subjects) {
        const start = process.hrtime.bigint();
        const problem = await sendChatRequest(subject.client, subject.target.apiKey);
        const elapsedInNs = Number(process.hrtime.bigint() - start);
        if (problem !== undefined) subject.errors.add(problem);
        else if (iteration >= 0) subject.samplesInNs.push(elapsedInNs);
      }
    }
  } finally {
    await Promise.all(subjects.map((subject) => subject.client.close()));
  }
  return subjects.map((subject) => ({
    subject: subject.target.name,
    latency: summarizeLatency(subject.samplesInNs),
    errors: subject.errors.count,
    errorSamples: subject.errors.samples,
  }));
}
