import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, request } from 'undici';
import { benchEnvironment } from './bench-environment.js';
import { measureOneAtATime, type OneAtATimeResult } from './load/measure-one-at-a-time.js';
import { foldThroughputRuns, measureThroughput, type ThroughputResult, type ThroughputRun } from './load/measure-throughput.js';
import { chatRequestBody, sendChatRequest } from './load/send-chat-request.js';
import { roundTo2 } from './load/summarize-latency.js';
import { canPinProcesses, pinProcess } from './subjects/cpu-pinning.js';
import { startSubject, type SubjectProcess } from './subjects/start-subject.js';

const mockOutputTokens = 16;
const oneAtATime = { warmupPerSubject: 500, measuredPerSubject: 3_000 };
const throughput = { connections: 50, warmupInMs: 1_000, durationInMs: 5_000, rounds: 2 };
// The subject under test gets a core to itself; the mock and the load generator share the other.
const subjectCpu = 0;
const loadCpu = 1;

interface Target {
  name: 'direct' | 'proxy' | 'warden';
  url: string;
  apiKey: string;
}

interface Ratio {
  measure: string;
  value: number;
  target: string;
  met: boolean;
}

async function startSubjects(pinned: boolean, started: SubjectProcess[]): Promise<Target[]> {
  const track = (subject: SubjectProcess): SubjectProcess => {
    started.push(subject);
    return subject;
  };
  const mock = track(await startSubject({ file: './mock-upstream-subject.js', args: [String(mockOutputTokens)], cpu: pinned ? loadCpu : undefined }));
  const proxy = track(await startSubject({ file: './bare-proxy-subject.js', args: [mock.url], cpu: pinned ? subjectCpu : undefined }));
  const warden = track(await startSubject({ file: './warden-subject.js', args: [mock.url], cpu: pinned ? subjectCpu : undefined }));
  return [
    { name: 'direct', url: mock.url, apiKey: mock.apiKey },
    { name: 'proxy', url: proxy.url, apiKey: proxy.apiKey },
    { name: 'warden', url: warden.url, apiKey: warden.apiKey },
  ];
}

async function checkTargets(targets: Target[]): Promise<void> {
  for (const target of targets) {
    const client = new Client(target.url);
    const problem = await sendChatRequest(client, target.apiKey);
    await client.close();
    if (problem !== undefined) throw new Error(`${target.name} (${target.url}) does not answer the bench request: ${problem}`);
  }
  const warden = targets.find((target) => target.name === 'warden');
  if (warden !== undefined) await checkBudgetsOn(warden);
}

/** Warden must be measured with budgets and the ledger on: a priced call reports what is left of the org budget. */
async function checkBudgetsOn(warden: Target): Promise<void> {
  const response = await request(`${warden.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${warden.apiKey}` },
    body: chatRequestBody,
  });
  await response.body.arrayBuffer();
  if (response.headers['x-warden-budget-remaining-usd'] === undefined || response.headers['x-warden-cost-usd'] === undefined) {
    throw new Error('Warden answered without x-warden-cost-usd and x-warden-budget-remaining-usd: budgets are not on, so the bench would not measure them.');
  }
}

async function runThroughput(targets: Target[]): Promise<ThroughputResult[]> {
  const runs = new Map<string, ThroughputRun[]>(targets.map((target) => [target.name, []]));
  // Rounds interleave the subjects (a, b, c, a, b, c) so drift over the run hits all of them.
  for (let round = 0; round < throughput.rounds; round += 1) {
    for (const target of targets) {
      runs.get(target.name)?.push(await measureThroughput({ target, connections: throughput.connections, warmupInMs: throughput.warmupInMs, durationInMs: throughput.durationInMs }));
    }
  }
  return targets.map((target) => foldThroughputRuns(target.name, runs.get(target.name) ?? []));
}

function addedLatency(results: OneAtATimeResult[]): Array<{ subject: string; p50InUs: number; p90InUs: number; p99InUs: number }> {
  const direct = find(results, 'direct').latency;
  return results
    .filter((result) => result.subject !== 'direct')
    .map((result) => ({
      subject: result.subject,
      p50InUs: roundTo2(result.latency.p50InUs - direct.p50InUs),
      p90InUs: roundTo2(result.latency.p90InUs - direct.p90InUs),
      p99InUs: roundTo2(result.latency.p99InUs - direct.p99InUs),
    }));
}

function ratios(added: ReturnType<typeof addedLatency>, throughputResults: ThroughputResult[]): Ratio[] {
  const proxyAdded = find(added, 'proxy');
  const wardenAdded = find(added, 'warden');
  const rate = (name: string): number => find(throughputResults, name).requestsPerSecond;
  const ratio = (numerator: number, denominator: number): number => Math.round((numerator / denominator) * 1_000) / 1_000;
  const latencyP50 = ratio(wardenAdded.p50InUs, proxyAdded.p50InUs);
  const latencyP99 = ratio(wardenAdded.p99InUs, proxyAdded.p99InUs);
  const toProxy = ratio(rate('warden'), rate('proxy'));
  return [
    { measure: 'W1 warden added p50 / proxy added p50', value: latencyP50, target: '≤ 1.25', met: latencyP50 <= 1.25 },
    { measure: 'W1 warden added p99 / proxy added p99', value: latencyP99, target: '≤ 1.25', met: latencyP99 <= 1.25 },
    { measure: 'W2 warden req/s / proxy req/s', value: toProxy, target: '≥ 0.8', met: toProxy >= 0.8 },
    { measure: 'W2 warden req/s / direct req/s', value: ratio(rate('warden'), rate('direct')), target: '(context)', met: true },
  ];
}

function find<T extends { subject: string }>(results: T[], subject: string): T {
  const result = results.find((candidate) => candidate.subject === subject);
  if (result === undefined) throw new Error(`No result for ${subject}.`);
  return result;
}

function printTables(w1: OneAtATimeResult[], added: ReturnType<typeof addedLatency>, w2: ThroughputResult[], measured: Ratio[]): void {
  console.log(`\nW1: one request at a time, interleaved, ${oneAtATime.measuredPerSubject} measured per subject (µs)`);
  console.table(
    w1.map((result) => {
      const extra = added.find((row) => row.subject === result.subject);
      return {
        subject: result.subject,
        p50: result.latency.p50InUs,
        p90: result.latency.p90InUs,
        p99: result.latency.p99InUs,
        max: result.latency.maxInUs,
        'added p50': extra?.p50InUs ?? '',
        'added p90': extra?.p90InUs ?? '',
        'added p99': extra?.p99InUs ?? '',
        errors: result.errors,
      };
    }),
  );
  console.log(`W2: ${throughput.connections} connections, ${throughput.rounds} × ${throughput.durationInMs / 1_000} s per subject after ${throughput.warmupInMs / 1_000} s warm-up each`);
  console.table(
    w2.map((result) => ({
      subject: result.subject,
      'requests/s': result.requestsPerSecond,
      'by round': result.requestsPerSecondByRound.join(' / '),
      'p50 µs': result.latency.p50InUs,
      'p99 µs': result.latency.p99InUs,
      errors: result.errors,
    })),
  );
  console.table(measured);
}

async function main(): Promise<void> {
  const pinned = canPinProcesses();
  if (pinned) pinProcess({ pid: process.pid, cpu: loadCpu });
  console.log(pinned ? `Pinned: subject on CPU ${subjectCpu}, mock and load generator on CPU ${loadCpu}.` : 'Not pinned: taskset or a second CPU is missing.');
  const started: SubjectProcess[] = [];
  let w1: OneAtATimeResult[];
  let w2: ThroughputResult[];
  try {
    const targets = await startSubjects(pinned, started);
    await checkTargets(targets);
    console.log('W1: one request at a time…');
    w1 = await measureOneAtATime({ targets, ...oneAtATime });
    console.log('W2: throughput at 50 connections…');
    w2 = await runThroughput(targets);
  } finally {
    await Promise.all(started.map((subject) => subject.stop()));
  }
  const added = addedLatency(w1);
  const measured = ratios(added, w2);
  printTables(w1, added, w2, measured);
  const errors = [...w1, ...w2].reduce((sum, result) => sum + result.errors, 0);
  const report = {
    benchmark: 'gateway-overhead',
    description: 'POST /v1/chat/completions (gpt-4o-mini, non-stream) direct to an instant mock upstream, through a bare node:http + undici proxy, and through Warden with budgets and ledger on; µs and requests/s',
    mock: { latencyInMs: 0, outputTokens: mockOutputTokens, promptCaching: false },
    oneAtATime,
    throughput,
    environment: {
      ...benchEnvironment(),
      pinning: pinned ? { used: true, subjectCpu, mockCpu: loadCpu, loadGeneratorCpu: loadCpu } : { used: false },
    },
    errors,
    results: { oneAtATime: w1, addedLatencyOverDirect: added, throughput: w2, ratios: measured },
  };
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'gateway-overhead.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (errors > 0) {
    console.error(`\n${errors} request(s) failed; the figures above leave them out and are not comparable. See errorSamples in bench/results/gateway-overhead.json.`);
    process.exitCode = 1;
  }
}

await main();
