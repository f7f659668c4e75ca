import { WardenError } from '../core/warden-error.js';

const unitInMs: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const durationPattern = /^(\d{1,6})([mhdw])$/;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const dateTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * A report bound: a duration back from now (`30d`, `12h`, `90m`, `2w`), `now`, a UTC date
 * (`2026-11-01`, its midnight) or an ISO time with a zone (`2026-11-01T09:00Z`).
 * @example parseReportTime('30d', { nowInMs, where: 'since' }) // nowInMs - 30 days
 */
export function parseReportTime(text: string, options: { nowInMs: number; where: string }): number {
  const trimmed = text.trim();
  if (trimmed === 'now') return options.nowInMs;
  const duration = durationPattern.exec(trimmed);
  if (duration) return options.nowInMs - Number(duration[1]) * (unitInMs[duration[2] as string] as number);
  if (datePattern.test(trimmed) || dateTimePattern.test(trimmed)) {
    const timeInMs = Date.parse(datePattern.test(trimmed) ? `${trimmed}T00:00:00Z` : trimmed);
    if (Number.isFinite(timeInMs)) return timeInMs;
  }
  throw new WardenError(
    'invalid_request',
    `${options.where}: "${text}" is not a time; use a duration back from now like 30d, 12h, 90m or 2w, "now", a UTC date like 2026-11-01, or an ISO time like 2026-11-01T09:00Z.`,
    { details: { field: options.where } },
  );
}

/** Both bounds of a report period from the CLI's `--since` and `--until`, checked: since before until. */
export function parseReportPeriod(options: { since?: string | undefined; until?: string | undefined; nowInMs: number }): { sinceInMs: number; untilInMs: number } {
  const sinceInMs = parseReportTime(options.since ?? '30d', { nowInMs: options.nowInMs, where: '--since' });
  const untilInMs = options.until === undefined ? options.nowInMs : parseReportTime(options.until, { nowInMs: options.nowInMs, where: '--until' });
  if (sinceInMs >= untilInMs) {
    throw new WardenError('invalid_request', `--since (${new Date(sinceInMs).toISOString()}) must be before --until (${new Date(untilInMs).toISOString()}).`, { details: { field: 'since' } });
  }
  return { sinceInMs, untilInMs };
}
