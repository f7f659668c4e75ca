import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWardenError } from '../../src/core/warden-error.js';
import { parseSandboxPolicy } from '../../src/sandbox/parse-sandbox-policy.js';
import { runSandboxed } from '../../src/sandbox/run-sandboxed.js';
import type { SandboxLimitCrossEvent } from '../../src/sandbox/sandbox-result.js';
import type { SandboxPolicyInput } from '../../src/sandbox/sandbox-policy-schema.js';
import { pidsWith, uniqueMarker, waitUntil } from './host-processes.js';
import { createSandboxWorkspace } from './sandbox-workspace.js';

const scratch = createSandboxWorkspace('warden-sandbox-');
const { root, workspace } = scratch;
afterAll(() => scratch.remove());

function policy(input: SandboxPolicyInput = {}) {
  return parseSandboxPolicy({ workspace, ...input });
}

function run(command: string[], input: SandboxPolicyInput = {}, extra: Partial<Parameters<typeof runSandboxed>[0]> = {}) {
  return runSandboxed({ command, policy: policy(input), parentEnvironment: {}, ...extra });
}

function processesWith(marker: string, prefix = ''): number {
  return pidsWith(marker, prefix).length;
}

/** perl holding a string of `megabytes` (about twice that resident while it builds it). */
function allocate(megabytes: number): string[] {
  return ['perl', '-e', `my $x = "a" x (${megabytes} * 1024 * 1024); print length($x) > 0 ? "allocated\\n" : "";`];
}

describe('runSandboxed', () => {
  it('returns stdout, stderr and the exit code, running in the workspace', async () => {
    const result = await run(['sh', '-c', 'echo out; echo err >&2; pwd; exit 3']);
    expect(result).toMatchObject({
      exitCode: 3,
      signal: null,
      stdout: `out\n${workspace}\n`,
      stderr: 'err\n',
      timedOut: false,
      limitsHit: [],
      stdoutTruncated: false,
      stderrTruncated: false,
      workspace,
    });
  });

  it('has no network: neither a server on the host loopback nor a public address can be reached, and both fail fast', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      // The server is reachable from outside the sandbox, so a sandbox that leaked would be caught.
      await new Promise<void>((resolve, reject) => connect(port, '127.0.0.1', resolve).on('error', reject));
      expect(await waitUntil(() => connections === 1, 2000)).toBe(true);

      const script = `for target in 127.0.0.1/${port} 1.1.1.1/80; do if (exec 3<>/dev/tcp/$target) 2>/dev/null; then echo "reached $target"; else echo "blocked $target"; fi; done`;
      const result = await run(['bash', '-c', script], { limits: { wallClockInSeconds: 20 } });
      expect(result.stdout).toBe(`blocked 127.0.0.1/${port}\nblocked 1.1.1.1/80\n`);
      expect(result.timedOut).toBe(false);
      expect(result.durationInMs).toBeLessThan(10_000);
      expect(connections).toBe(1);
    } finally {
      server.close();
    }
  });

  it('lets the command write only in its workspace: not /etc, /usr, the host /tmp or the parent home', async () => {
    const marker = uniqueMarker();
    const hostTmpFile = `/tmp/warden-sandbox-escape-${marker}`;
    const homeFile = join(homedir(), `.warden-sandbox-escape-${marker}`);
    const script = [
      `for path in /etc/escape /usr/escape ${hostTmpFile} ${homeFile} /escape ./inside; do`,
      '  if echo written 2>/dev/null > "$path"; then echo "wrote $path"; else echo "refused $path"; fi',
      'done',
    ].join('\n');
    const result = await run(['bash', '-c', script]);
    expect(result.stdout).toBe(
      [`refused /etc/escape`, `refused /usr/escape`, `wrote ${hostTmpFile}`, `refused ${homeFile}`, `refused /escape`, `wrote ./inside`, ''].join('\n'),
    );
    // The sandbox's /tmp is its own: the file written there never reached the host's.
    expect(existsSync(hostTmpFile)).toBe(false);
    expect(existsSync(homeFile)).toBe(false);
    expect(existsSync('/etc/escape')).toBe(false);
    expect(readFileSync(join(workspace, 'inside'), 'utf8')).toBe('written\n');
  });

  it('cannot reach files outside the workspace through .., an absolute path or a symlink', async () => {
    const secret = `secret-${uniqueMarker()}`;
    const secretPath = join(root, 'secret.txt');
    writeFileSync(secretPath, secret, { mode: 0o644 });
    symlinkSync(secretPath, join(workspace, 'link-to-secret'));
    symlinkSync(homedir(), join(workspace, 'link-to-home'));
    const script = [
      'cat ../secret.txt',
      `cat ${secretPath}`,
      'cat link-to-secret',
      'cat "$(cd .. && pwd)/secret.txt"',
      'ls -A link-to-home/',
      `ls -A ${homedir()}/`,
      'cat /root/.bashrc /root/.profile',
      'echo done',
    ].join('; ');
    const result = await run(['bash', '-c', script]);
    expect(result.stdout).toBe('done\n');
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stderr).toContain('No such file or directory');
    // The file is readable by anyone on the host: only the sandbox keeps it out.
    expect(statSync(secretPath).mode & 0o004).toBe(0o004);
  });

  it('shows the command none of the parent environment but the allowlist, the named variables and the explicit ones', async () => {
    const secrets = { OPENAI_API_KEY: 'sk-warden-test-openai', WARDEN_ADMIN_KEY: 'warden-test-admin', AWS_SECRET_ACCESS_KEY: 'warden-test-aws' };
    const added = { ...secrets, WARDEN_TEST_VISIBLE: 'visible' };
    Object.assign(process.env, added);
    try {
      const result = await runSandboxed({
        command: ['sh', '-c', 'env; cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"; true'],
        policy: policy({ passEnvironment: ['WARDEN_TEST_VISIBLE', 'WARDEN_TEST_UNSET'] }),
        environment: { EXTRA: 'explicit' },
      });
      expect(result.exitCode).toBe(0);
      for (const value of Object.values(secrets)) expect(result.stdout).not.toContain(value);
      expect(result.stdout).not.toMatch(/^(OPENAI_API_KEY|WARDEN_ADMIN_KEY|AWS_SECRET_ACCESS_KEY|WARDEN_TEST_UNSET)=/m);
      expect(result.stdout).toMatch(/^WARDEN_TEST_VISIBLE=visible$/m);
      expect(result.stdout).toMatch(/^EXTRA=explicit$/m);
      expect(result.stdout).toMatch(/^HOME=\/tmp$/m);
      expect(result.stdout).toMatch(/^PATH=\/usr\/local\/bin:\/usr\/bin:\/bin/m);
    } finally {
      for (const name of Object.keys(added)) delete process.env[name];
    }
  });

  it('keeps the variables it passes out of the host process list', async () => {
    const secret = `token-${uniqueMarker()}`;
    let seen = 0;
    const sampler = setInterval(() => {
      seen += processesWith(secret);
    }, 50);
    const result = await run(['sh', '-c', 'sleep 0.5; echo "$TOKEN"'], {}, { environment: { TOKEN: secret } }).finally(() => clearInterval(sampler));
    expect(result.stdout).toBe(`${secret}\n`);
    expect(seen).toBe(0);
  });

  it('runs unprivileged, with no capabilities and no descriptor inherited from the parent', async () => {
    const result = await run(['bash', '-c', 'id -u; grep CapEff /proc/self/status; ls /proc/self/fd | tr "\\n" " "; echo; hostname; whoami']);
    const [uid, capabilities, descriptors, hostname, user] = result.stdout.split('\n');
    expect(Number(uid)).not.toBe(0);
    expect(capabilities).toBe('CapEff:\t0000000000000000');
    // 0-2 are stdio and 3 is the directory ls is reading.
    expect(descriptors).toBe('0 1 2 3 ');
    expect(hostname).toBe('warden-sandbox');
    expect(user).toBe('sandbox');
  });

  it('without a cgroup, stops a fork bomb at the per-sandbox RLIMIT_NPROC, kills it at the wall clock, and the parent carries on', async () => {
    const marker = uniqueMarker();
    const limit = 48;
    let most = 0;
    const sampler = setInterval(() => {
      // The command's own processes, not bubblewrap's, whose arguments carry the script too.
      most = Math.max(most, processesWith(marker, 'bash\0-c\0bomb'));
    }, 100);
    const events: SandboxLimitCrossEvent[] = [];
    const result = await run(['bash', '-c', `bomb() { bomb | bomb & }; bomb; sleep 60 # ${marker}`], { limits: { processes: limit, wallClockInSeconds: 4 } }, {
      onEvent: (event) => events.push(event),
      useCgroup: false,
    }).finally(() => clearInterval(sampler));
    expect(result.limitsEnforcedBy).toBe('rlimit');
    expect(result.timedOut).toBe(true);
    expect(result.stderr).toMatch(/fork: .*Resource temporarily unavailable/);
    expect(result.limitsHit).toEqual(['wallClock', 'processes']);
    expect(most).toBeGreaterThan(limit / 2);
    expect(most).toBeLessThanOrEqual(limit);
    expect(await waitUntil(() => processesWith(marker) === 0, 5000)).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'sandbox-limit-cross', data: { limits: ['wallClock', 'processes'], workspace, exitCode: null, signal: 'SIGKILL', limitsEnforcedBy: 'rlimit' } });
    expect((await run(['echo', 'still here'])).stdout).toBe('still here\n');
  });

  it('without a cgroup, stops a memory hog at the per-process RLIMIT_AS, says so, while an allocation under it succeeds', async () => {
    const limits = { memoryInMb: 256 };
    const hog = await run(allocate(1024), { limits }, { useCgroup: false });
    expect(hog.exitCode).not.toBe(0);
    expect(hog.stdout).toBe('');
    expect(hog.stderr).toContain('Out of memory');
    expect(hog).toMatchObject({ limitsHit: ['memory'], limitsEnforcedBy: 'rlimit' });
    expect(hog.cgroupUnavailableReason).toContain('useCgroup: false');
    const modest = await run(allocate(32), { limits }, { useCgroup: false });
    expect(modest).toMatchObject({ exitCode: 0, stdout: 'allocated\n', limitsHit: [], limitsEnforcedBy: 'rlimit' });
  });

  it('refuses to run without a cgroup when the policy sets requireCgroup', async () => {
    const marker = join(workspace, `ran-${uniqueMarker()}`);
    const error: unknown = await run(['touch', marker], { requireCgroup: true }, { useCgroup: false }).catch((caught: unknown) => caught);
    expect(isWardenError(error) && error.code).toBe('invalid_config');
    expect((error as Error).message).toContain('requireCgroup');
    expect((error as Error).message).toContain('useCgroup: false');
    expect(existsSync(marker)).toBe(false);
  });

  it('ends a busy loop at the CPU limit with SIGXCPU', async () => {
    const result = await run(['bash', '-c', 'while :; do :; done'], { limits: { cpuInSeconds: 1, wallClockInSeconds: 20 } });
    expect(result).toMatchObject({ exitCode: 128 + 24, signal: 'SIGXCPU', timedOut: false, limitsHit: ['cpu'] });
  });

  it('kills the whole process tree at the wall clock, grandchildren that left the process group included', async () => {
    const marker = uniqueMarker();
    const sleeper = `sleep 300.${marker}`;
    const script = [
      '(sleep 2; echo alive > late-marker) &',
      `setsid sh -c '${sleeper}' &`,
      `nohup ${sleeper} > /dev/null 2>&1 &`,
      `(${sleeper} &) `,
      sleeper,
    ].join('\n');
    const started = Date.now();
    const result = await run(['bash', '-c', script], { limits: { wallClockInSeconds: 1 } });
    expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL', limitsHit: ['wallClock'] });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await waitUntil(() => processesWith(`300.${marker}`) === 0, 5000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 3500 - Date.now())));
    expect(existsSync(join(workspace, 'late-marker'))).toBe(false);
  });

  it('keeps maxOutputInKb of output, says it truncated, and reports the output limit', async () => {
    const chunks: Buffer[] = [];
    const events: SandboxLimitCrossEvent[] = [];
    const result = await run(['sh', '-c', 'head -c 5000 /dev/zero | tr "\\0" a'], { limits: { maxOutputInKb: 1 } }, {
      onOutput: (stream, chunk) => {
        if (stream === 'stdout') chunks.push(chunk);
      },
      onEvent: (event) => events.push(event),
      clock: { now: () => 42 },
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'a'.repeat(1024), stdoutTruncated: true, stderrTruncated: false, limitsHit: ['output'] });
    expect(Buffer.concat(chunks).toString()).toBe('a'.repeat(1024));
    expect(events).toEqual([
      {
        type: 'sandbox-limit-cross',
        timeInMs: 42,
        data: { limits: ['output'], command: ['sh', '-c', 'head -c 5000 /dev/zero | tr "\\0" a'], workspace, exitCode: 0, signal: null, durationInMs: 0, limitsEnforcedBy: result.limitsEnforcedBy },
      },
    ]);
  });

  it('ends a writer at the file size limit with SIGXFSZ', async () => {
    const result = await run(['sh', '-c', 'head -c 3000000 /dev/zero > big'], { limits: { fileSizeInMb: 1 } });
    expect(result).toMatchObject({ exitCode: 128 + 25, signal: 'SIGXFSZ', limitsHit: ['fileSize'] });
    expect(statSync(join(workspace, 'big')).size).toBe(1024 * 1024);
  });

  it('refuses, naming the install command, when bubblewrap is missing', async () => {
    const error: unknown = await run(['true'], {}, { bubblewrapPath: '/nonexistent/bwrap' }).catch((caught: unknown) => caught);
    expect(isWardenError(error) && error.code).toBe('invalid_config');
    expect((error as Error).message).toContain('apt-get install bubblewrap');
  });

  it('refuses a workspace that is a system directory or holds a home directory, and a missing read-only bind', async () => {
    const messageOf = async (input: SandboxPolicyInput, parentEnvironment: Record<string, string> = {}) => {
      const error: unknown = await run(['true'], input, { parentEnvironment }).catch((caught: unknown) => caught);
      expect(isWardenError(error) && error.code).toBe('invalid_config');
      return (error as Error).message;
    };
    expect(await messageOf({ workspace: '/usr' })).toContain('cannot be /usr');
    expect(await messageOf({}, { HOME: join(workspace, 'home') })).toContain(`The sandbox workspace ${workspace} holds the home directory ${join(workspace, 'home')}`);
    expect(await messageOf({ workspace: homedir() })).toMatch(/holds the home directory|cannot be \/root/);
    expect(await messageOf({ readOnlyBinds: ['/nonexistent/toolchain'] })).toContain('readOnlyBinds entry /nonexistent/toolchain does not exist');
  });
});
