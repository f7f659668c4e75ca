import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createPriceCatalogue } from '../core/price-catalogue.js';
import { parseConfig } from '../core/parse-config.js';
import type { Store } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';
import { createReplay } from '../replay/replay-calls.js';
import { replayCallFromRow, replayedLedgerTypes } from '../replay/replay-call.js';
import type { ReplayReport } from '../replay/replay-report.js';
import { openConfiguredStore } from '../stores/open-configured-store.js';
import type { CliOutput } from './cli-output.js';
import { formatReplayTable, replayReportJson } from './format-replay-report.js';
import { loadConfigFile, type Environment } from './load-config-file.js';
import { parseReportPeriod } from '../reports/parse-report-time.js';

export interface ReplayCommandOptions {
  /** The candidate policy: a Warden config file. */
  candidatePath: string;
  since: string;
  until?: string;
  format: 'table' | 'json';
  /** The live deployment's config, for where its ledger lives (storage, server.sqlitePath). */
  liveConfigPath?: string;
  /** The live SQLite file (overrides server.sqlitePath). */
  sqlitePath?: string;
  nowInMs: number;
  env: Environment;
  output: CliOutput;
}

const pageSize = 10_000;

/**
 * `warden replay --config candidate.yaml --since 30d`: runs the calls the live ledger recorded
 * through a candidate policy (budgets, tiers and routing, cache) and reports what it would have
 * refused, downgraded or served from cache, and the spend with and without it.
 */
export async function replayCommand(options: ReplayCommandOptions): Promise<void> {
  const { sinceInMs, untilInMs } = parseReportPeriod({ since: options.since, until: options.until, nowInMs: options.nowInMs });
  const candidate = await loadConfigFile(options.candidatePath, options.env);
  const store = await openLiveLedger(options);
  let report: ReplayReport;
  try {
    report = await replayLedger({ store, candidate, sinceInMs, untilInMs, nowInMs: options.nowInMs });
  } finally {
    await store.close();
  }
  const shown = { report, candidatePath: options.candidatePath };
  options.output.out(options.format === 'json' ? JSON.stringify(replayReportJson(shown), null, 2) : formatReplayTable(shown));
}

/** Reads the live ledger page by page, in recorded order, into a replay under `candidate`. */
export async function replayLedger(options: { store: Pick<Store, 'query'>; candidate: Parameters<typeof createReplay>[0]['config']; sinceInMs: number; untilInMs: number; nowInMs: number }): Promise<ReplayReport> {
  const { candidate } = options;
  const catalogue = createPriceCatalogue({ clock: { now: () => options.nowInMs }, overrides: candidate.prices.overrides, ...(candidate.prices.fallback ? { fallback: candidate.prices.fallback } : {}) });
  const replay = createReplay({ config: candidate, catalogue });
  let afterSequence: number | undefined;
  for (;;) {
    const rows = await options.store.query({ types: [...replayedLedgerTypes], sinceInMs: options.sinceInMs, untilInMs: options.untilInMs, limit: pageSize, ...(afterSequence === undefined ? {} : { afterSequence }) });
    for (const row of rows) {
      if (row.type === 'call-refuse') {
        replay.addLiveRefusal();
        continue;
      }
      const call = replayCallFromRow(row);
      if (call !== undefined) replay.add(call);
    }
    if (rows.length < pageSize) break;
    afterSequence = rows.at(-1)?.sequence;
  }
  return replay.report({ sinceInMs: options.sinceInMs, untilInMs: options.untilInMs });
}

async function openLiveLedger(options: ReplayCommandOptions): Promise<Store> {
  const live = options.liveConfigPath === undefined ? parseConfig({}) : await loadConfigFile(options.liveConfigPath, options.env);
  const sqlitePath = resolve(options.sqlitePath ?? live.server.sqlitePath);
  if (live.storage.ledger === 'sqlite' && !existsSync(sqlitePath)) {
    throw new WardenError(
      'invalid_config',
      `There is no Warden database at ${sqlitePath}. Point --db at the SQLite file whose ledger to replay, or --live-config at the running gateway's config (--config is the candidate policy).`,
    );
  }
  return openConfiguredStore({ storage: live.storage, sqlitePath, sqliteDurability: live.server.sqliteDurability });
}
