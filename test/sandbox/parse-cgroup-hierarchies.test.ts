import { describe, expect, it } from 'vitest';
import { parseCgroupHierarchies } from '../../src/sandbox/parse-cgroup-hierarchies.js';

// Recorded from a root shell on a host with cgroup v1 controllers and an empty cgroup2 beside them.
const hybridMountInfo = `24 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const hybridCgroups = `9:name=systemd:/
8:pids:/
4:memory:/process_api/9aa1a069
1:cpu:/
0::/`;

// A systemd host with only cgroup v2.
const unifiedMountInfo = '35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
const unifiedCgroups = '0::/user.slice/user-1000.slice/session-2.scope\n';

describe('parseCgroupHierarchies', () => {
  it('finds v1 controllers and the cgroup2 beside them, with this process\'s directory in each, leaving out named hierarchies', () => {
    expect(parseCgroupHierarchies({ mountInfo: hybridMountInfo, processCgroups: hybridCgroups })).toEqual([
      { version: 1, controllers: ['cpu'], mountPoint: '/sys/fs/cgroup/cpu', ownDirectory: '/sys/fs/cgroup/cpu' },
      { version: 1, controllers: ['memory'], mountPoint: '/sys/fs/cgroup/memory', ownDirectory: '/sys/fs/cgroup/memory/process_api/9aa1a069' },
      { version: 1, controllers: ['pids'], mountPoint: '/sys/fs/cgroup/pids', ownDirectory: '/sys/fs/cgroup/pids' },
      { version: 2, controllers: [], mountPoint: '/sys/fs/cgroup/unified', ownDirectory: '/sys/fs/cgroup/unified' },
    ]);
  });

  it('reads a pure cgroup v2 host', () => {
    expect(parseCgroupHierarchies({ mountInfo: unifiedMountInfo, processCgroups: unifiedCgroups })).toEqual([
      { version: 2, controllers: [], mountPoint: '/sys/fs/cgroup', ownDirectory: '/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope' },
    ]);
  });

  it('maps a container\'s sub-tree mount, co-mounted controllers and escaped paths; a cgroup outside the mount is not visible', () => {
    const mountInfo = [
      '600 590 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory',
      '601 590 0:29 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpuacct,cpu',
      '602 590 0:36 /docker/abc /mnt/my\\040pids rw - cgroup cgroup rw,pids',
    ].join('\n');
    const processCgroups = '4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc/inner\n8:pids:/elsewhere\n';
    expect(parseCgroupHierarchies({ mountInfo, processCgroups })).toEqual([
      { version: 1, controllers: ['memory'], mountPoint: '/sys/fs/cgroup/memory', ownDirectory: '/sys/fs/cgroup/memory' },
      { version: 1, controllers: ['cpuacct', 'cpu'], mountPoint: '/sys/fs/cgroup/cpu,cpuacct', ownDirectory: '/sys/fs/cgroup/cpu,cpuacct/inner' },
      { version: 1, controllers: ['pids'], mountPoint: '/mnt/my pids', ownDirectory: undefined },
    ]);
  });
});
