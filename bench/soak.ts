import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { benchEnvironment } from './bench-environment.js';
import { measureThroughput } from './load/measure-throughput.js';
import { residentMemoryInBytes } from './load/sample-memory.js';
import type { LoadTarget } from './load/send-chat-request.js';
import { scrapeGatewayGauges, type GatewayGauges } from './soak/scrape-metrics.js';
import { sendSoakRequest, soakKindAt, type SoakOutcome } from './soak/soak-request.js';
import { canPinProcesses, pinProcess } from './subjects/cpu-pinning.js';
import { loadCpu, startPinnedSubject, subjectCpu } from './subjects/start-subject-set.js';
import { benchAdminKey } from './subjects/subject-names.js';

/**
 * The soak: Warden (budgets on, SQLite) in front of the mock, first driven flat out for a few
 * seconds to measure its capacity, then fed an open-loop stream of requests at half of it for
 * `--seconds` (600 by default) — mostly plain and streamed calls, one in seven an upstream fault or a
 * client that gives up — while its memory, event-loop delay and reservations in flight are sampled.
 * Writes bench/results/soak.json; exits 1 on an unexpected outcome or reservations left at the end.
 */
const secondsArgument = option('--seconds');
const durationInSeconds = secondsArgument === undefined ? 600 : Number(secondsArgument);
if (!Number.isFinite(durationInSeconds) || durationInSeconds < 10) throw new Error(`--seconds must be a number of 10 or more, got ${secondsArgument}.`);
const sampleEveryInMs = 10_000;
// 5 ms before the first byte and paced chunks: a mock that answers like a fast model, so requests overlap.
const mockBehavior = { latencyInMs: 5, chunkIntervalInMs: 2, outputTokens: 16 };

const pinned = canPinProcesses();
if (pinned) pinProcess({ pid: process.pid, cpu: loadCpu });
const mock = await startPinnedSubject({ file: './mock-upstream-subject.js', args: [JSON.stringify(mockBehavior)], role: 'load', pinned });
const warden = await startPinnedSubject({ file: './warden-soak-subject.js', args: [mock.url], role: 'subject', pinned });
const target: LoadTarget = { name: 'warden', url: warden.url, apiKey: warden.apiKey, headers: warden.headers, pid: warden.pid };

try {
  const probe = await measureThroughput({ target, connections: 50, warmupInMs: 2_000, durationInMs: 8_000 });
  if (probe.errors.count > 0) throw new Error(`The capacity probe failed ${probe.errors.count} requests: ${probe.errors.samples.join('; ')}`);
  const capacityPerSecond = probe.completed / (probe.measuredInMs / 1_000);
  const ratePerSecond = Math.floor(capacityPerSecond / 2);
  console.log(`capacity ${Math.round(capacityPerSecond)} req/s (50 connections, plain calls); soaking at ${ratePerSecond} req/s for ${durationInSeconds} s`);

  const pool = new Pool(target.url, { connections: 512, pipelining: 1, keepAliveTimeout: 60_000 });
  const tally = new Map<string, number>();
  const unexpected: SoakOutcome[] = [];
  const unexpectedByKind = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const samples: Array<{ atInSeconds: number; residentInMb: number; heapUsedInMb: number; eventLoopLagP99InMs: number; eventLoopLagMaxInMs: number; reservationsInFlight: number; requestsInFlight: number; sent: number }> = [];
  let sent = 0;
  const startInMs = performance.now();
  const endInMs = startInMs + durationInSeconds * 1_000;

  const sample = async (): Promise<GatewayGauges> => {
    const gauges = await scrapeGatewayGauges({ url: target.url, adminKey: benchAdminKey });
    samples.push({
      atInSeconds: Math.round((performance.now() - startInMs) / 1_000),
      residentInMb: toMb(residentMemoryInBytes(warden.pid).currentInBytes),
      heapUsedInMb: toMb(gauges.heapUsedInBytes),
      eventLoopLagP99InMs: round2(gauges.eventLoopLagP99InMs),
      eventLoopLagMaxInMs: round2(gauges.eventLoopLagMaxInMs),
      reservationsInFlight: gauges.reservationsInFlight,
      requestsInFlight: inFlight.size,
      sent,
    });
    return gauges;
  };
  await sample();

  // Open loop: requests leave on a clock, whatever the gateway's answers are doing.
  await new Promise<void>((resolve) => {
    const tickInMs = 10;
    const timer = setInterval(() => {
      const nowInMs = performance.now();
      if (nowInMs >= endInMs) {
        clearInterval(timer);
        resolve();
        return;
      }
      const due = Math.floor(((nowInMs - startInMs) / 1_000) * ratePerSecond);
      while (sent < due) {
        const kind = soakKindAt(sent);
        sent += 1;
        const request = sendSoakRequest(pool, target, kind).then((outcome) => {
          const key = `${outcome.kind} ${outcome.result}`;
          tally.set(key, (tally.get(key) ?? 0) + 1);
          if (!outcome.expected) {
            unexpectedByKind.set(key, (unexpectedByKind.get(key) ?? 0) + 1);
            if (unexpected.length < 20) unexpected.push(outcome);
          }
        });
        const tracked = request.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
      }
    }, tickInMs);
    const sampler = setInterval(() => {
      if (performance.now() >= endInMs) clearInterval(sampler);
      else void sample();
    }, sampleEveryInMs);
  });
  await Promise.all(inFlight);
  await pool.close();

  // Settling after the last answer is asynchronous (ledger batch, commits of cut streams): give it a moment.
  let final = await sample();
  for (let attempt = 0; attempt < 50 && final.reservationsInFlight !== 0; attempt += 1) {
    await new Promise((wait) => setTimeout(wait, 100));
    final = await sample();
  }

  const afterWarmUp = samples.filter((entry) => entry.atInSeconds >= 60 && entry.atInSeconds <= durationInSeconds);
  const growth = slopePerMinute(afterWarmUp.length >= 3 ? afterWarmUp : samples);
  const report = {
    benchmark: 'soak',
    description: 'Warden (budgets on, SQLite batched) in front of the mock as its simulated provider; open-loop load at half the capacity measured with 50 connections of plain calls; 60 % plain, 25 % streamed, 4 % upstream 500, 2 % upstream 429, 4 % streams the upstream cuts after 5 tokens, 3 % clients that abort mid-stream, 2 % clients that give up before the answer.',
    durationInSeconds,
    mock: mockBehavior,
    capacityPerSecond: Math.round(capacityPerSecond),
    ratePerSecond,
    sent,
    outcomes: Object.fromEntries([...tally.entries()].sort()),
    unexpected: [...unexpectedByKind.values()].reduce((sum, count) => sum + count, 0),
    unexpectedByKind: Object.fromEntries(unexpectedByKind),
    unexpectedSamples: unexpected,
    reservationsInFlightAtEnd: final.reservationsInFlight,
    memory: {
      residentStartInMb: samples[0]?.residentInMb,
      residentAt60sInMb: afterWarmUp[0]?.residentInMb,
      residentEndInMb: samples[samples.length - 1]?.residentInMb,
      residentMaxInMb: Math.max(...samples.map((entry) => entry.residentInMb)),
      heapUsedAt60sInMb: afterWarmUp[0]?.heapUsedInMb,
      heapUsedEndInMb: samples[samples.length - 1]?.heapUsedInMb,
      residentGrowthAfter60sInMbPerMinute: growth.resident,
      heapGrowthAfter60sInMbPerMinute: growth.heap,
    },
    eventLoopLag: {
      p99OfIntervalsMedianInMs: median(samples.slice(1, -1).map((entry) => entry.eventLoopLagP99InMs)),
      p99OfIntervalsMaxInMs: Math.max(...samples.slice(1, -1).map((entry) => entry.eventLoopLagP99InMs)),
      maxInMs: Math.max(...samples.slice(1, -1).map((entry) => entry.eventLoopLagMaxInMs)),
    },
    samples,
    environment: { ...benchEnvironment(), pinning: pinned ? { used: true, subjectCpu, mockCpu: loadCpu, loadGeneratorCpu: loadCpu } : { used: false } },
  };
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify({ ...report, samples: undefined, unexpectedSamples: report.unexpectedSamples.slice(0, 3) }, null, 2));
  if (report.unexpected > 0 || final.reservationsInFlight !== 0) process.exitCode = 1;
} finally {
  await warden.stop();
  await mock.stop();
}

function option(name: string): string | undefined {
  const given = process.argv.find((argument) => argument.startsWith(`${name}=`));
  if (given !== undefined) return given.slice(name.length + 1);
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

function toMb(bytes: number): number {
  return round2(bytes / 1_048_576);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Least-squares slope of resident and heap memory against time, in MB per minute. */
function slopePerMinute(points: ReadonlyArray<{ atInSeconds: number; residentInMb: number; heapUsedInMb: number }>): { resident: number; heap: number } {
  const slope = (value: (point: (typeof points)[number]) => number): number => {
    const n = points.length;
    const meanX = points.reduce((sum, point) => sum + point.atInSeconds, 0) / n;
    const meanY = points.reduce((sum, point) => sum + value(point), 0) / n;
    const covariance = points.reduce((sum, point) => sum + (point.atInSeconds - meanX) * (value(point) - meanY), 0);
    const variance = points.reduce((sum, point) => sum + (point.atInSeconds - meanX) ** 2, 0);
    return variance === 0 ? 0 : round2((covariance / variance) * 60);
  };
  return { resident: slope((point) => point.residentInMb), heap: slope((point) => point.heapUsedInMb) };
}
