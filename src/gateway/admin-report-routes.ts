import type { ServerResponse } from 'node:http';
import { parseTaskOutcome, parseTaskOutcomeNote, taskFinishEvent } from '../core/task-outcome.js';
import { WardenError } from '../core/warden-error.js';
import { buildCostReport } from '../reports/build-cost-report.js';
import { parseReportTime } from '../reports/parse-report-time.js';
import { parseReportDimension } from '../reports/report-dimension.js';
import type { GatewayContext } from './gateway-context.js';
import { sendJson } from './json-response.js';

const reportParameters = new Set(['since', 'until', 'by']);

/**
 * GET /admin/reports?since=30d&until=now&by=task-type: the cost report as JSON, the same as
 * `warden report --format json`. Every parameter is optional (30d, now, task-type).
 */
export async function sendCostReport(context: GatewayContext, response: ServerResponse, query: URLSearchParams): Promise<void> {
  for (const name of new Set(query.keys())) {
    if (!reportParameters.has(name)) throw new WardenError('invalid_request', `Unknown query parameter "${name}" for /admin/reports; use since, until and by.`, { details: { parameter: name } });
    if (query.getAll(name).length > 1) throw new WardenError('invalid_request', `Query parameter "${name}" is given more than once; give it once.`, { details: { parameter: name } });
  }
  const nowInMs = context.clock.now();
  const sinceInMs = parseReportTime(query.get('since') ?? '30d', { nowInMs, where: 'Query parameter since' });
  const untilText = query.get('until');
  const untilInMs = untilText === null ? nowInMs : parseReportTime(untilText, { nowInMs, where: 'Query parameter until' });
  if (sinceInMs >= untilInMs) {
    throw new WardenError('invalid_request', `Query parameter since (${new Date(sinceInMs).toISOString()}) must be before until (${new Date(untilInMs).toISOString()}).`, { details: { parameter: 'since' } });
  }
  const by = parseReportDimension(query.get('by') ?? 'task-type', 'Query parameter by');
  sendJson(response, 200, await buildCostReport({ store: context.store, by, sinceInMs, untilInMs }));
}

/** POST /admin/tasks/:id/outcome with `{ outcome: 'success' | 'failure', note? }`: files a task-finish for the task. */
export async function recordTaskOutcome(context: GatewayContext, response: ServerResponse, options: { taskId: string; body: Record<string, unknown>; by: string }): Promise<void> {
  const unknown = Object.keys(options.body).filter((field) => field !== 'outcome' && field !== 'note');
  if (unknown.length > 0) throw new WardenError('invalid_request', `Unknown field "${unknown[0]}"; send { "outcome": "success" | "failure", "note"?: "…" }.`);
  if (options.taskId === '' || options.taskId.length > 256) throw new WardenError('invalid_request', 'The task id in the path must be 1 to 256 characters.');
  const outcome = parseTaskOutcome(options.body.outcome, '"outcome"');
  const note = parseTaskOutcomeNote(options.body.note, '"note"');
  const event = taskFinishEvent({ taskId: options.taskId, outcome, timeInMs: context.clock.now(), by: options.by, ...(note === undefined ? {} : { note }), attribution: { org: context.config.org } });
  await context.store.append([event]);
  sendJson(response, 200, { taskId: options.taskId, outcome, ...(note === undefined ? {} : { note }) });
}
