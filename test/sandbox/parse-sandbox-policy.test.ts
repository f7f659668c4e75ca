import { describe, expect, it } from 'vitest';
import { isWardenError } from '../../src/core/warden-error.js';
import { parseSandboxPolicy } from '../../src/sandbox/parse-sandbox-policy.js';

function problemsOf(input: unknown): string {
  try {
    parseSandboxPolicy(input);
  } catch (error) {
    if (isWardenError(error) && error.code === 'invalid_config') return error.message;
    throw error;
  }
  throw new Error('expected the policy to be refused');
}

describe('parseSandboxPolicy', () => {
  it('fills in the defaults and freezes the result', () => {
    const policy = parseSandboxPolicy(undefined);
    expect(policy).toEqual({
      limits: {
        cpuInSeconds: 120,
        memoryInMb: 2048,
        processes: 256,
        openFiles: 1024,
        fileSizeInMb: 1024,
        tmpSizeInMb: 256,
        wallClockInSeconds: 300,
        maxOutputInKb: 1024,
      },
      readOnlyBinds: [],
      passEnvironment: [],
      requireCgroup: false,
    });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.limits)).toBe(true);
    expect(Object.isFrozen(policy.readOnlyBinds)).toBe(true);
  });

  it('keeps what is given and defaults the rest of the limits', () => {
    const policy = parseSandboxPolicy({ workspace: './work', limits: { wallClockInSeconds: 30 }, readOnlyBinds: ['/opt/tool'], passEnvironment: ['CI'] });
    expect(policy).toMatchObject({ workspace: './work', readOnlyBinds: ['/opt/tool'], passEnvironment: ['CI'] });
    expect(policy.limits).toMatchObject({ wallClockInSeconds: 30, cpuInSeconds: 120 });
  });

  it('names each bad path and the fix', () => {
    const message = problemsOf({ limits: { cpuInSecond: 5, memoryInMb: 1.5, processes: 0 }, passEnvironment: ['NOT-A-NAME'], extra: true, workspace: '/', requireCgroup: 'yes' });
    expect(message).toContain('Invalid sandbox policy:');
    expect(message).toContain('(top level): unknown key "extra"; remove or correct it (check the spelling)');
    expect(message).toContain('limits: unknown key "cpuInSecond"');
    expect(message).toContain('limits.memoryInMb: expected a whole number');
    expect(message).toContain('limits.processes: expected a number above 0');
    expect(message).toContain('passEnvironment[0]: expected an environment variable name like "CI" or "NODE_OPTIONS", got "NOT-A-NAME"');
    expect(message).toContain('workspace: the whole file system "/" cannot be bound; name a directory');
    expect(message).toContain('requireCgroup: expected true or false');
  });

  it('refuses limits too small for a shell to start', () => {
    expect(problemsOf({ limits: { memoryInMb: 8, openFiles: 4 } })).toMatch(/limits.memoryInMb: below 64 MB[\s\S]*limits.openFiles: below 16 open files/);
  });
});
