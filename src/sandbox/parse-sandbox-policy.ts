import type { z } from 'zod';
import { formatConfigPath } from '../core/parse-config.js';
import { WardenError } from '../core/warden-error.js';
import { sandboxPolicySchema, type SandboxPolicy } from './sandbox-policy-schema.js';

/**
 * Validates a sandbox policy from any source and returns it frozen, defaults filled in.
 * Errors name each bad path and the fix, like the main config.
 * @example parseSandboxPolicy({ workspace: '/srv/agent', limits: { wallClockInSeconds: 60 } })
 */
export function parseSandboxPolicy(input: unknown): Readonly<SandboxPolicy> {
  const result = sandboxPolicySchema.safeParse(input ?? {});
  if (!result.success) {
    const lines = result.error.issues.map(describeIssue);
    throw new WardenError('invalid_config', `Invalid sandbox policy:\n${lines.map((line) => `  ${line}`).join('\n')}`, {
      details: { issues: lines },
    });
  }
  const { limits, readOnlyBinds, passEnvironment } = result.data;
  Object.freeze(limits);
  Object.freeze(readOnlyBinds);
  Object.freeze(passEnvironment);
  return Object.freeze(result.data);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatConfigPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}; remove or correct it (check the spelling)`;
  }
  return `${path}: ${issue.message}`;
}
