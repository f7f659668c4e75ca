import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRecordingOutput } from '../../src/cli/cli-output.js';
import { execCommand, type ByteSink } from '../../src/cli/exec-command.js';
import { runCli } from '../../src/cli/run-cli.js';
import { cgroupAvailability } from './cgroup-availability.js';
import { createSandboxWorkspace } from './sandbox-workspace.js';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const builtCli = join(repository, 'dist/src/cli/main.js');
const scratch = createSandboxWorkspace('warden-exec-');
// Fails, rather than skips, where no cgroup is usable, unless WARDEN_TEST_SKIP_CGROUP=1.
const cgroupHere = await cgroupAvailability();
const { root, workspace } = scratch;
afterAll(() => scratch.remove());

function policyFile(name: string, text: string): string {
  const path = join(root, name);
  writeFileSync(path, text);
  return path;
}

function recordingSink(): ByteSink & { text(): string } {
  const chunks: Uint8Array[] = [];
  return { write: (chunk) => chunks.push(chunk), text: () => Buffer.concat(chunks).toString() };
}

async function exec(command: string[], policyPath?: string, extra: { useCgroup?: boolean } = {}) {
  const output = createRecordingOutput();
  const stdout = recordingSink();
  const stderr = recordingSink();
  const exitCode = await execCommand({ command, ...(policyPath === undefined ? {} : { policyPath }), env: {}, output, stdout, stderr, stdin: 'ignore', ...extra });
  return { exitCode, stdout: stdout.text(), stderr: stderr.text(), notes: output.stderr() };
}

function runBuiltCli(argv: string[], cwd: string) {
  // npm test builds before it runs the suite; run `npm run build` first when running this file alone.
  expect(existsSync(builtCli), `${builtCli} is missing: run npm run build`).toBe(true);
  return spawnSync(process.execPath, [builtCli, ...argv], { cwd, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, timeout: 30_000 });
}

describe('warden exec', () => {
  it('prints the command output and exits with its code (built CLI)', () => {
    const result = runBuiltCli(['exec', '--', 'sh', '-c', 'echo hi; exit 3'], workspace);
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 3, stdout: 'hi\n', stderr: '' });
  });

  it('exits 124 with a one-line note when the wall clock runs out, reading the workspace relative to the policy file (built CLI)', () => {
    const path = policyFile('timeout.yaml', 'workspace: workspace\nlimits:\n  wallClockInSeconds: 1\n');
    const result = runBuiltCli(['exec', '--policy', path, '--', 'sh', '-c', 'pwd; sleep 30'], '/');
    expect(result.status).toBe(124);
    expect(result.stdout).toBe(`${workspace}\n`);
    expect(result.stderr).toBe('warden exec: limit hit: wall clock 1 s (every process was killed); exit 124\n');
  });

  it('returns the command exit code through runCli', async () => {
    const path = policyFile('plain.json', JSON.stringify({ workspace }));
    const output = createRecordingOutput();
    expect(await runCli({ argv: ['exec', '--policy', path, '--', 'sh', '-c', 'exit 7'], env: {}, output, serve: async () => undefined })).toBe(7);
    expect(output.stderr()).toBe('');
  });

  it('passes output through byte for byte, without adding newlines', async () => {
    const path = policyFile('bytes.yaml', `workspace: ${workspace}\n`);
    expect(await exec(['sh', '-c', 'printf "no newline"; printf "err" >&2'], path)).toEqual({ exitCode: 0, stdout: 'no newline', stderr: 'err', notes: '' });
  });

  it('notes truncated output on stderr', async () => {
    const path = policyFile('output.yaml', `workspace: ${workspace}\nlimits: { maxOutputInKb: 1 }\n`);
    const result = await exec(['sh', '-c', 'head -c 3000 /dev/zero | tr "\\0" x'], path);
    expect(result).toEqual({ exitCode: 0, stdout: 'x'.repeat(1024), stderr: '', notes: 'warden exec: limit hit: output 1 KB per stream (the rest was dropped); exit 0\n' });
  });

  it('says on stderr when memory and processes were limited per process only, and names the limit that way', async () => {
    const path = policyFile('rlimit.yaml', `workspace: ${workspace}\nlimits: { memoryInMb: 256 }\n`);
    const result = await exec(['perl', '-e', '$x = "a" x (1024 * 1024 * 1024)'], path, { useCgroup: false });
    expect(result.exitCode).not.toBe(0);
    expect(result.notes).toMatch(/^warden exec: memory and process limits were per process \(rlimit\), not for the whole command: turned off by the caller \(useCgroup: false\)\. .*requireCgroup: true/);
    expect(result.notes).toContain('warden exec: limit hit: memory 256 MB (per process); exit ');
  });

  it.skipIf(cgroupHere.skip)(`names a memory limit held for the whole command by a cgroup, with no note${cgroupHere.title}`, async () => {
    const path = policyFile('cgroup.yaml', `workspace: ${workspace}\nlimits: { memoryInMb: 256 }\nrequireCgroup: true\n`);
    const result = await exec(['perl', '-e', '$x = "a" x (1024 * 1024 * 1024)'], path);
    expect(result.exitCode).toBe(137);
    expect(result.notes).toMatch(/^warden exec: limit hit: memory 256 MB \(for the whole command, cgroup-v[12]\); exit 137\n$/);
  });

  it('exits 125 naming the file and the path when the policy is wrong or missing', async () => {
    const path = policyFile('bad.yaml', 'limits:\n  cpuSeconds: 5\n');
    const bad = await exec(['true'], path);
    expect(bad.exitCode).toBe(125);
    expect(bad.notes).toBe(`warden exec: Invalid sandbox policy in ${path}:\n  limits: unknown key "cpuSeconds"; remove or correct it (check the spelling)\n`);
    const missing = await exec(['true'], join(root, 'missing.yaml'));
    expect(missing.exitCode).toBe(125);
    expect(missing.notes).toContain('Cannot read sandbox policy');
  });

  it('asks for a command', async () => {
    const output = createRecordingOutput();
    expect(await runCli({ argv: ['exec'], env: {}, output, serve: async () => undefined })).toBe(1);
    expect(output.stderr()).toContain("missing required argument 'command'");
  });
});
