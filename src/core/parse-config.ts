import type { z } from 'zod';
import { configSchema, type WardenConfig, type WardenConfigInput } from './config-schema.js';
import { expandSlos } from './expand-slos.js';
import { WardenError } from './warden-error.js';

/**
 * Validates a config from any source and returns it frozen. Errors name each bad path and the fix.
 * @example parseConfig({ budgets: [{ scope: 'team:research', window: 'day', hard: '25' }] })
 */
export function parseConfig(input: unknown): Readonly<WardenConfig> {
  const result = configSchema.safeParse(input ?? {});
  if (!result.success) {
    const lines = result.error.issues.map(describeIssue);
    throw new WardenError('invalid_config', `Invalid config:\n${lines.map((line) => `  ${line}`).join('\n')}`, {
      details: { issues: lines },
    });
  }
  return deepFreeze(expandSlos(result.data));
}

export type { WardenConfig, WardenConfigInput };

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatConfigPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}; remove or correct it (check the spelling)`;
  }
  return `${path}: ${issue.message}`;
}

/** A config path as people write it: `budgets[0].hard`, or "(top level)". */
export function formatConfigPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(top level)';
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return text === '' ? String(part) : `${text}.${String(part)}`;
  }, '');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
