import type { LedgerScanRow } from '../core/ledger-scan.js';
import { WardenError } from '../core/warden-error.js';

/** What a report groups by: one attribution field of the ledger, or one tag. */
export type ReportDimension = { kind: 'task-type' | 'team' | 'key' | 'user' | 'model' | 'tier' } | { kind: 'tag'; tagName: string };

const fieldDimensions = ['task-type', 'team', 'key', 'user', 'model', 'tier'] as const;

/** The choices, as `--by` and `?by=` spell them. */
export const reportDimensionChoices = [...fieldDimensions, 'tag:<name>'] as const;

/** The group of rows that lack the field. */
export const noGroupKey = '(none)';

/**
 * Parses `task-type`, `team`, `key`, `user`, `model`, `tier` or `tag:<name>`.
 * @example parseReportDimension('tag:feature') // { kind: 'tag', tagName: 'feature' }
 */
export function parseReportDimension(text: string, where = 'by'): ReportDimension {
  const trimmed = text.trim();
  const field = fieldDimensions.find((name) => name === trimmed);
  if (field !== undefined) return { kind: field };
  if (trimmed.startsWith('tag:')) {
    const tagName = trimmed.slice('tag:'.length);
    if (tagName !== '' && tagName.length <= 64 && !/["\\]/.test(tagName)) return { kind: 'tag', tagName };
    throw new WardenError('invalid_request', `${where}: "${text}" needs a tag name after "tag:" (at most 64 characters, no quotes or backslashes), like tag:feature.`);
  }
  throw new WardenError('invalid_request', `${where}: "${text}" is not something reports group by; use one of ${reportDimensionChoices.join(', ')}.`);
}

/** The dimension as `--by` spells it. */
export function formatReportDimension(dimension: ReportDimension): string {
  return dimension.kind === 'tag' ? `tag:${dimension.tagName}` : dimension.kind;
}

/** The attribution fields a row or a summary carries, which groups are read from. */
export type ReportAttributes = Pick<LedgerScanRow, 'taskType' | 'team' | 'keyId' | 'user' | 'model' | 'requestedModel' | 'tier' | 'tag'>;

/** Reads a row's group value; a refused call names no model, so model falls back to the one requested. */
export function groupValueReader(dimension: ReportDimension): (row: ReportAttributes) => string | null {
  switch (dimension.kind) {
    case 'task-type':
      return (row) => row.taskType;
    case 'team':
      return (row) => row.team;
    case 'key':
      return (row) => row.keyId;
    case 'user':
      return (row) => row.user;
    case 'model':
      return (row) => row.model ?? row.requestedModel;
    case 'tier':
      return (row) => row.tier;
    case 'tag':
      return (row) => row.tag;
  }
}
