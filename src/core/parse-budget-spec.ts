import type { KeyBudget } from './control-records.js';
import { parseUsd } from './money.js';
import { WardenError } from './warden-error.js';

const windows: ReadonlyArray<KeyBudget['window']> = ['hour', 'day', 'week', 'month', 'total'];

/**
 * Parses a hard budget written by a person, "25/day" or "$0.50/hour" ("25" alone is a total);
 * a trailing " shadow" ("25/day shadow") only judges and records it, without refusing.
 * @example parseBudgetSpec('25/day') // { window: 'day', hardInNanoUsd: 25_000_000_000 }
 */
export function parseBudgetSpec(written: string): KeyBudget {
  const shadow = /\sshadow\s*$/i.test(written);
  const text = shadow ? written.replace(/\sshadow\s*$/i, '') : written;
  const slash = text.indexOf('/');
  const amountText = slash === -1 ? text : text.slice(0, slash);
  const windowText = slash === -1 ? 'total' : text.slice(slash + 1).trim().toLowerCase();
  const hardInNanoUsd = parseUsd(amountText);
  const window = windows.find((candidate) => candidate === windowText);
  if (hardInNanoUsd === undefined || window === undefined) {
    throw new WardenError(
      'invalid_request',
      `expected a budget like "25/day" or "25/day shadow" (dollars / hour, day, week, month or total), got ${JSON.stringify(written)}`,
    );
  }
  return { window, hardInNanoUsd, ...(shadow ? { mode: 'shadow' as const } : {}) };
}
