import { describe, expect, it } from 'vitest';
import { bubblewrapArguments, type SandboxPlan } from '../../src/sandbox/bubblewrap-arguments.js';
import { parseSandboxPolicy } from '../../src/sandbox/parse-sandbox-policy.js';

const plan: SandboxPlan = {
  systemMounts: [
    { kind: 'bind', path: '/usr' },
    { kind: 'symlink', path: '/bin', target: 'usr/bin' },
  ],
  workspace: '/srv/agent/work',
  readOnlyBinds: ['/srv/agent/work/vendor', '/srv'],
  files: [{ path: '/etc/passwd', descriptor: 4 }],
  environment: { PATH: '/usr/bin', HOME: '/tmp' },
  limits: parseSandboxPolicy({ limits: { cpuInSeconds: 7, memoryInMb: 512, processes: 40, openFiles: 64, fileSizeInMb: 3, tmpSizeInMb: 16 } }).limits,
  cgroupLimits: false,
  bashPath: '/usr/bin/bash',
  readyDescriptor: 3,
  optionsDescriptor: 5,
  command: ['make', '--jobs', '2'],
};

function pairsAfter(flag: string, argv: readonly string[]): string[][] {
  return argv.flatMap((argument, index) => (argument === flag ? [argv.slice(index + 1, index + 3)] : []));
}

describe('bubblewrapArguments', () => {
  const { options, command: argv } = bubblewrapArguments(plan);

  it('unshares every namespace and ties the sandbox to its parent', () => {
    expect(options).toEqual(
      expect.arrayContaining(['--unshare-user', '--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--disable-userns', '--die-with-parent', '--new-session', '--clearenv']),
    );
  });

  it('binds the system read-only, the workspace writable after its read-only parent, and a read-only path inside it after that', () => {
    expect(pairsAfter('--ro-bind', options)).toEqual([
      ['/usr', '/usr'],
      ['/srv', '/srv'],
      ['/srv/agent/work/vendor', '/srv/agent/work/vendor'],
    ]);
    expect(pairsAfter('--bind', options)).toEqual([['/srv/agent/work', '/srv/agent/work']]);
    const bindOrder = options.flatMap((argument, index) => (argument === '--bind' || argument === '--ro-bind' ? [options[index + 1]] : []));
    expect(bindOrder).toEqual(['/usr', '/srv', '/srv/agent/work', '/srv/agent/work/vendor']);
    expect(pairsAfter('--symlink', options)).toEqual([['usr/bin', '/bin']]);
    expect(pairsAfter('--chdir', options)).toEqual([['/srv/agent/work', '--clearenv']]);
    expect(options.join(' ')).toContain('--size 16777216 --tmpfs /tmp');
    expect(options.join(' ')).toContain('--ro-bind-data 4 /etc/passwd');
    expect(options.join(' ')).toContain('--remount-ro /');
    expect(options.filter((argument) => /^\/(root|home)\b/.test(argument))).toEqual([]);
  });

  it('sets only the given environment, after clearing it', () => {
    expect(options.indexOf('--clearenv')).toBeLessThan(options.indexOf('--setenv'));
    expect(pairsAfter('--setenv', options)).toEqual([
      ['PATH', '/usr/bin'],
      ['HOME', '/tmp'],
    ]);
  });

  it('runs the command through a bash wrapper that sets the limits, signals readiness and closes its descriptors', () => {
    const [bash, dashC, script, name, ...command] = argv;
    expect([bash, dashC, name]).toEqual(['/usr/bin/bash', '-c', 'warden-sandbox']);
    expect(command).toEqual(['make', '--jobs', '2']);
    expect(script).toContain('ulimit -c 0 -n 64 -u 40 -v 524288 -f 3072');
    expect(script).toContain('ulimit -S -t 7 && ulimit -H -t 8 || exit 125');
    expect(script).toContain('printf r >&3 && exec 3>&- 4>&- 5>&-\n');
    expect(script).toContain('exec -- "$@"');
  });

  it('leaves memory and processes to the cgroup when there is one, keeping the other per-process limits', () => {
    const script = bubblewrapArguments({ ...plan, cgroupLimits: true }).command[2];
    expect(script).toContain('ulimit -c 0 -n 64 -f 3072 && ');
    expect(script).not.toMatch(/ -u | -v /);
    expect(script).toContain('ulimit -S -t 7 && ulimit -H -t 8 || exit 125');
  });
});
