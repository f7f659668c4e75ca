import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSandboxPolicy } from '../../src/sandbox/parse-sandbox-policy.js';
import { readCgroupHierarchies } from '../../src/sandbox/parse-cgroup-hierarchies.js';
import { runSandboxed } from '../../src/sandbox/run-sandboxed.js';
import type { SandboxLimitCrossEvent } from '../../src/sandbox/sandbox-result.js';
import type { SandboxPolicyInput } from '../../src/sandbox/sandbox-policy-schema.js';
import { cgroupAvailability } from './cgroup-availability.js';
import { pidsWith, readIfRunning, uniqueMarker, waitUntil } from './host-processes.js';
import { createSandboxWorkspace } from './sandbox-workspace.js';

const scratch = createSandboxWorkspace('warden-cgroup-');
const { workspace } = scratch;
afterAll(() => scratch.remove());

// Fails, rather than skips, where no cgroup is usable, unless WARDEN_TEST_SKIP_CGROUP=1.
const cgroupHere = await cgroupAvailability();

function run(command: string[], input: SandboxPolicyInput = {}, extra: Partial<Parameters<typeof runSandboxed>[0]> = {}) {
  return runSandboxed({ command, policy: parseSandboxPolicy({ workspace, ...input }), parentEnvironment: {}, ...extra });
}

/** The cgroup directories a process is in, Warden's only, as paths on the host. */
function wardenCgroupsOf(pid: number): string[] {
  const hierarchies = readCgroupHierarchies();
  const text = readIfRunning(`/proc/${pid}/cgroup`) ?? '';
  return text.split('\n').flatMap((line) => {
    const match = /^\d+:([^:]*):(.*\/warden\/.*)$/.exec(line);
    if (!match) return [];
    const controllers = match[1]!.split(',');
    const hierarchy = hierarchies.find((candidate) => (match[1] === '' ? candidate.version === 2 : controllers.every((name) => candidate.controllers.includes(name))));
    return hierarchy === undefined ? [] : [join(hierarchy.mountPoint, match[2]!)];
  });
}

describe.skipIf(cgroupHere.skip)(`runSandboxed with a cgroup${cgroupHere.title}`, () => {
  it('finds a usable cgroup here (root with a writable cgroupfs, or v2 delegation)', () => {
    expect(cgroupHere.unavailable, 'set WARDEN_TEST_SKIP_CGROUP=1 to skip the cgroup tests on a machine without one').toBeUndefined();
  });

  it('holds memory for the whole tree: processes each under the limit but together past it are OOM-killed and memory is reported, where rlimits let them all through', async () => {
    // Six perl processes of about 70 MB resident each, every one well under the 128 MB limit alone.
    const script = 'for i in 1 2 3 4 5 6; do perl -e \'my $x = "a" x (32 * 1024 * 1024); sleep 2; print "survived\\n"\' & done; wait';
    const limits = { memoryInMb: 128, wallClockInSeconds: 30 };
    const events: SandboxLimitCrossEvent[] = [];
    const held = await run(['bash', '-c', script], { limits }, { onEvent: (event) => events.push(event) });
    expect(held.limitsEnforcedBy).toMatch(/^cgroup-v[12]$/);
    expect(held.cgroupUnavailableReason).toBeNull();
    expect(held.stdout.split('\n').filter((line) => line === 'survived').length).toBeLessThan(6);
    // bash's wait reports success and nothing is printed: only the cgroup's OOM-kill count tells.
    expect(held).toMatchObject({ exitCode: 0, timedOut: false, limitsHit: ['memory'] });
    expect(events).toMatchObject([{ type: 'sandbox-limit-cross', data: { limits: ['memory'], limitsEnforcedBy: held.limitsEnforcedBy } }]);

    const perProcess = await run(['bash', '-c', script], { limits }, { useCgroup: false });
    expect(perProcess).toMatchObject({ exitCode: 0, stdout: 'survived\n'.repeat(6), limitsHit: [], limitsEnforcedBy: 'rlimit' });
  });

  it('stops a fork bomb that hides its errors at pids.max and reports the process limit from the cgroup', async () => {
    const marker = uniqueMarker();
    const limit = 48;
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, pidsWith(marker, 'bash\0-c\0exec').length);
    }, 100);
    const script = `exec 2>/dev/null; bomb() { bomb | bomb & }; bomb; sleep 60 # ${marker}`;
    const result = await run(['bash', '-c', script], { limits: { processes: limit, wallClockInSeconds: 4 } }).finally(() => clearInterval(sampler));
    expect(result).toMatchObject({ timedOut: true, stderr: '', limitsHit: ['wallClock', 'processes'] });
    expect(result.limitsEnforcedBy).toMatch(/^cgroup-v[12]$/);
    expect(most).toBeGreaterThan(limit / 2);
    expect(most).toBeLessThanOrEqual(limit);
    expect(await waitUntil(() => pidsWith(marker).length === 0, 5000)).toBe(true);
  });

  it('kills the whole tree at the wall clock, a grandchild that detached with setsid included, and removes the cgroup', async () => {
    const marker = uniqueMarker();
    const lateMarker = `late-${marker}`;
    const script = [`setsid sh -c 'sleep 2.${marker}; echo alive > ${lateMarker}' &`, `sleep 300.${marker}`].join('\n');
    const cgroups = new Set<string>();
    let grandchildSeen = false;
    const sampler = setInterval(() => {
      for (const pid of pidsWith(`sleep 2.${marker}`, 'sh\0')) {
        grandchildSeen = true;
        for (const directory of wardenCgroupsOf(pid)) cgroups.add(directory);
      }
    }, 50);
    const started = Date.now();
    const result = await run(['bash', '-c', script], { limits: { wallClockInSeconds: 1 } }).finally(() => clearInterval(sampler));
    expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL', limitsHit: ['wallClock'] });
    // The detached grandchild ran inside the cgroup (in the memory and pids hierarchies on v1, the one on v2).
    expect(grandchildSeen).toBe(true);
    expect(cgroups.size).toBe(result.limitsEnforcedBy === 'cgroup-v1' ? 2 : 1);
    for (const directory of cgroups) expect(existsSync(directory), directory).toBe(false);
    expect(pidsWith(marker)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 3000 - Date.now())));
    expect(existsSync(join(workspace, lateMarker))).toBe(false);
  });

  it('has every process of the command in the cgroup, the first ones it forks included', async () => {
    const marker = uniqueMarker();
    const seen = new Map<number, number>();
    const sampler = setInterval(() => {
      // The first look at each: a process that is exiting has left its cgroup already.
      for (const pid of pidsWith(`1.${marker}`, 'sleep\0')) if (!seen.has(pid)) seen.set(pid, wardenCgroupsOf(pid).length);
    }, 50);
    const result = await run(['bash', '-c', `sleep 1.${marker} & sleep 1.${marker} & wait`]).finally(() => clearInterval(sampler));
    expect(result.exitCode).toBe(0);
    expect(seen.size).toBe(2);
    // Forked at once: had Warden moved bubblewrap after letting it start, they would be outside.
    expect([...seen.values()]).toEqual(Array(2).fill(result.limitsEnforcedBy === 'cgroup-v1' ? 2 : 1));
  });
});
