import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCommandCgroup } from '../../src/sandbox/create-command-cgroup.js';
import { cgroupAvailability } from './cgroup-availability.js';
import { pidsWith } from './host-processes.js';

const limits = { memoryInBytes: 64 * 1024 * 1024, maxProcesses: 16 };
const scratch = mkdtempSync(join(tmpdir(), 'warden-cgroup-unit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Fails, rather than skips, where no cgroup is usable, unless WARDEN_TEST_SKIP_CGROUP=1.
const cgroupHere = await cgroupAvailability();

describe('createCommandCgroup', () => {
  it('says why when no cgroup file system is mounted', () => {
    expect(createCommandCgroup({ limits, hierarchies: [] })).toEqual({ unavailable: 'no cgroup file system is mounted' });
  });

  it('says why when cgroup v2 hands down no controllers and there is no v1 memory or pids hierarchy', () => {
    // A cgroup2 like the empty one mounted beside v1 controllers: no controllers to hand down.
    const mountPoint = join(scratch, 'unified');
    mkdirSync(mountPoint);
    writeFileSync(join(mountPoint, 'cgroup.controllers'), '\n');
    writeFileSync(join(mountPoint, 'cgroup.subtree_control'), '\n');
    const made = createCommandCgroup({ limits, hierarchies: [{ version: 2, controllers: [], mountPoint, ownDirectory: mountPoint }] });
    expect(made).toEqual({
      unavailable: `cgroup v2 (${mountPoint}): no cgroup from this process's up to the root delegates the memory and pids controllers (${mountPoint}: cgroup.controllers has none); cgroup v1: no memory and pids hierarchy holding this process is mounted`,
    });
    expect(readdirSync(mountPoint).sort()).toEqual(['cgroup.controllers', 'cgroup.subtree_control']);
  });

  it('on cgroup v2, walks up from its own cgroup to the nearest that hands memory and pids down, and tries there', () => {
    // Files as a systemd host shows them; plain directories stand in, so the attempt fails after the walk, and says where.
    const root = join(scratch, 'v2');
    const own = join(root, 'user.slice', 'session.scope');
    mkdirSync(own, { recursive: true });
    const files: Array<[string, string, string]> = [
      [root, 'cpu memory pids', 'memory pids'],
      [join(root, 'user.slice'), 'memory pids', 'memory'],
      [own, 'memory pids', ''],
    ];
    for (const [directory, controllers, subtree] of files) {
      writeFileSync(join(directory, 'cgroup.controllers'), `${controllers}\n`);
      writeFileSync(join(directory, 'cgroup.subtree_control'), `${subtree}\n`);
    }
    const made = createCommandCgroup({ limits, name: 'unit', hierarchies: [{ version: 2, controllers: [], mountPoint: root, ownDirectory: own }] });
    expect('unavailable' in made ? made.unavailable : 'made').toMatch(
      new RegExp(`^cgroup v2 \\(${root}\\): .*\\(${own}: cgroup.subtree_control has none; ${root}/user.slice: cgroup.subtree_control has memory; ${root}: ENOENT[^;]*${root}/warden/cgroup.subtree_control`),
    );
    expect(existsSync(join(root, 'warden'))).toBe(false);
  });

  it('says why, leaving nothing behind, when the v1 hierarchies are not cgroup directories', () => {
    // Plain directories accept mkdir but have no memory.limit_in_bytes to write.
    const memory = join(scratch, 'memory');
    const pids = join(scratch, 'pids');
    mkdirSync(memory);
    mkdirSync(pids);
    const made = createCommandCgroup({
      limits,
      name: 'unit',
      hierarchies: [
        { version: 1, controllers: ['memory'], mountPoint: memory, ownDirectory: memory },
        { version: 1, controllers: ['pids'], mountPoint: pids, ownDirectory: pids },
      ],
    });
    expect('unavailable' in made ? made.unavailable : 'made').toMatch(/^cgroup v2: not mounted; cgroup v1: ENOENT.*memory\.limit_in_bytes/);
    expect(readdirSync(memory)).toEqual([]);
    expect(readdirSync(pids)).toEqual([]);
  });

  it.skipIf(cgroupHere.skip)(`kills a whole tree without help from a pid namespace, a setsid grandchild included, then removes itself${cgroupHere.title}`, async () => {
    const cgroup = createCommandCgroup({ limits });
    if ('unavailable' in cgroup) throw new Error(cgroup.unavailable);
    const marker = `${process.pid}${Date.now()}`;
    const late = join(scratch, `late-${marker}`);
    // The shell waits on stdin until it has joined, as the sandbox wrapper does.
    const child = spawn('sh', ['-c', `read go; setsid sh -c 'sleep 1.${marker}; touch ${late}' & sleep 30.${marker}`], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      cgroup.join(child.pid!);
      child.stdin.end('go\n');
      const deadline = Date.now() + 5000;
      while (pidsWith(marker).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(pidsWith(marker).length).toBeGreaterThanOrEqual(2);
      expect(cgroup.limitsHit()).toEqual({ memory: false, processes: false });
      await cgroup.killAll();
      expect(pidsWith(marker)).toEqual([]);
    } finally {
      await cgroup.remove();
    }
    for (const directory of cgroup.directories) expect(existsSync(directory), directory).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(existsSync(late)).toBe(false);
  });
});
