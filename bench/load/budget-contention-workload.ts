import { Pool, request } from 'undici';
import type { LedgerRow } from '../../src/core/ledger-event.js';
import { startPinnedSubject } from '../subjects/start-subject-set.js';
import type { SubjectProcess } from '../subjects/start-subject.js';
import { waitForLedgerRows } from './read-admin-ledger.js';
import { chatRequestBody, ErrorTally, requestHeaders } from './send-chat-request.js';

/** One contention round: N requests at once on a team budget for exactly K calls. */
export interface BudgetContentionRound {
  limitInNanoUsd: number;
  admitted: number;
  /** 402 budget_exceeded answers. */
  refused: number;
  committedInNanoUsd: number;
  /** Committed spend past the limit: must be 0. */
  overshootInNanoUsd: number;
  /** Refusals while the budget could still afford a call: must be 0. */
  falseRefusals: number;
  reservationsCommitted: number;
  reservationsReleased: number;
  errors: number;
  errorSamples: string[];
}

export interface BudgetContentionResult {
  subject: 'warden';
  requests: number;
  affordableCalls: number;
  /** The mock reports exactly Warden's input-token bound and fills max_tokens, so cost = reservation. */
  costPerCallInNanoUsd: number;
  mockLatencyInMs: number;
  rounds: BudgetContentionRound[];
  /** The worst round: both must be 0. */
  overshootInNanoUsd: number;
  falseRefusals: number;
  errors: number;
}

/**
 * W5: a Warden whose team budget covers exactly `affordableCalls` calls gets `requests` ≫ that at
 * once. Every call costs exactly its reservation (the mock reports Warden's own input-token bound
 * and fills max_tokens, as the e2e test "exactly 37 of 200" does), so the right outcome is exactly
 * K admitted, N − K refused with 402, and a committed spend of exactly the limit. Spend is read from
 * the gateway's ledger (`GET /admin/ledger?type=reservation-commit`). Each round uses a fresh Warden.
 */
export async function runBudgetContentionWorkload(options: { pinned: boolean; requests: number; affordableCalls: number; rounds: number; mockLatencyInMs: number }): Promise<BudgetContentionResult> {
  const { pinned, requests, affordableCalls } = options;
  const start = (file: string, args: string[], role: 'subject' | 'load'): Promise<SubjectProcess> => startPinnedSubject({ file, args, role, pinned });
  return withSubjects(async (track) => {
    const mock = await track(start('./mock-upstream-subject.js', [JSON.stringify({ outputTokens: 16 })], 'load'));
    const probe = await track(start('./warden-contention-subject.js', [mock.url, 'none'], 'subject'));
    const inputTokensBound = Number((await probeCall(probe, 'reservation-commit')).data?.inputTokensBound);
    await mock.control({ inputTokens: inputTokensBound, outputTokens: 1_000, latencyInMs: options.mockLatencyInMs });
    const commit = await probeCall(probe, 'reservation-commit');
    await probe.stop();
    const cost = commit.costInNanoUsd ?? 0;
    if (cost <= 0 || cost !== commit.reservedInNanoUsd) throw new Error(`W5 needs each call to cost exactly its reservation; the probe cost ${cost} nano-USD and reserved ${String(commit.reservedInNanoUsd)}.`);
    const limitInNanoUsd = affordableCalls * cost;
    const rounds: BudgetContentionRound[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      const warden = await track(start('./warden-contention-subject.js', [mock.url, String(limitInNanoUsd)], 'subject'));
      rounds.push(await contend({ warden, requests, limitInNanoUsd, costInNanoUsd: cost }));
      await warden.stop();
    }
    return {
      subject: 'warden',
      requests,
      affordableCalls,
      costPerCallInNanoUsd: cost,
      mockLatencyInMs: options.mockLatencyInMs,
      rounds,
      overshootInNanoUsd: Math.max(...rounds.map((entry) => entry.overshootInNanoUsd)),
      falseRefusals: Math.max(...rounds.map((entry) => entry.falseRefusals)),
      errors: rounds.reduce((sum, entry) => sum + entry.errors, 0),
    };
  });
}

async function contend(options: { warden: SubjectProcess; requests: number; limitInNanoUsd: number; costInNanoUsd: number }): Promise<BudgetContentionRound> {
  const { warden, requests, limitInNanoUsd, costInNanoUsd } = options;
  const pool = new Pool(warden.url, { connections: requests, pipelining: 1 });
  const errors = new ErrorTally();
  let admitted = 0;
  let refused = 0;
  try {
    await Promise.all(
      Array.from({ length: requests }, async () => {
        try {
          const { statusCode, body } = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: requestHeaders(warden), body: chatRequestBody });
          const text = await body.text();
          if (statusCode === 200) admitted += 1;
          else if (statusCode === 402 && text.includes('budget_exceeded')) refused += 1;
          else errors.add(`HTTP ${statusCode}: ${text.slice(0, 300)}`);
        } catch (error) {
          errors.add(`request failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
  } finally {
    await pool.close();
  }
  const rows = await waitForLedgerRows({
    url: warden.url,
    // A call settled within one ledger batch is one row; every admitted call ends in a settle row.
    types: ['reservation-commit', 'reservation-release'],
    ready: (found) => found.length >= admitted,
  });
  const commits = rows.filter((row) => row.type === 'reservation-commit');
  const committedInNanoUsd = commits.reduce((sum, row) => sum + (row.costInNanoUsd ?? 0), 0);
  // With every call costing its reservation and no release, spend only grows: a refusal was
  // false exactly when the final spend still leaves room for a call.
  const roomForCalls = Math.floor((limitInNanoUsd - committedInNanoUsd) / costInNanoUsd);
  return {
    limitInNanoUsd,
    admitted,
    refused,
    committedInNanoUsd,
    overshootInNanoUsd: Math.max(0, committedInNanoUsd - limitInNanoUsd),
    falseRefusals: refused > 0 ? Math.min(refused, Math.max(0, roomForCalls)) : 0,
    reservationsCommitted: commits.length,
    reservationsReleased: rows.filter((row) => row.type === 'reservation-release').length,
    errors: errors.count,
    errorSamples: errors.samples,
  };
}

/** One call through a probe Warden (no team budget) and its ledger row of `type`. */
async function probeCall(warden: SubjectProcess, type: LedgerRow['type']): Promise<LedgerRow> {
  const response = await request(`${warden.url}/v1/chat/completions`, { method: 'POST', headers: requestHeaders(warden), body: chatRequestBody });
  const text = await response.body.text();
  const requestId = response.headers['x-warden-request-id'];
  if (response.statusCode !== 200 || typeof requestId !== 'string') throw new Error(`W5 probe call failed: HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
  const rows = await waitForLedgerRows({ url: warden.url, requestId, types: [type], ready: (found) => found.length > 0 });
  return rows[0] as LedgerRow;
}

/** Runs `work` with a tracker for the processes it starts, and stops them all afterwards. */
async function withSubjects<T>(work: (track: (started: Promise<SubjectProcess>) => Promise<SubjectProcess>) => Promise<T>): Promise<T> {
  const started: SubjectProcess[] = [];
  try {
    return await work(async (starting) => {
      const subject = await starting;
      started.push(subject);
      return subject;
    });
  } finally {
    await Promise.all(started.map((subject) => subject.stop()));
  }
}
