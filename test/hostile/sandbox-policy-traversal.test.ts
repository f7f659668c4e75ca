import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRecordingOutput } from '../../src/cli/cli-output.js';
import { execCommand } from '../../src/cli/exec-command.js';
import { isWardenError } from '../../src/core/warden-error.js';
import { parseSandboxPolicy } from '../../src/sandbox/parse-sandbox-policy.js';
import { runSandboxed } from '../../src/sandbox/run-sandboxed.js';
import { createWarden, type Warden } from '../../src/sdk/create-warden.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createSandboxWorkspace } from '../sandbox/sandbox-workspace.js';

/**
 * Path traversal where a policy names places: a sandbox workspace reached through "..", from a
 * policy file or through a symbolic link, into a system tree or a home's dotfiles; and tool
 * policies whose command patterns or workspaces an agent tries to climb out of with "..", or
 * through directory links on this machine. test/sandbox and the tool-policy unit tests cover
 * the plain cases; these are the hostile ones they leave out.
 */

const scratch = createSandboxWorkspace('warden-hostile-traversal-');
const policyDirectory = join(scratch.root, 'policies', 'deep', 'down');
mkdirSync(policyDirectory, { recursive: true });
// Deep enough that any number of ".." lands on "/" (extra ones stay there).
const toRoot = '../'.repeat(20);
// A system directory that exists here, to aim at.
const systemSubdirectory = ['/etc/ssl', '/etc/apt', '/etc/default', '/usr/share'].find((path) => existsSync(path)) as string;
afterAll(() => scratch.remove());

/** Runs `warden exec --policy <file> -- pwd` with the policy text; the command's output must stay empty (it never ran). */
async function execWith(policyText: string, name: string): Promise<{ exitCode: number; stderr: string }> {
  const policyPath = join(policyDirectory, name);
  writeFileSync(policyPath, policyText);
  const output = createRecordingOutput();
  const stdout: Uint8Array[] = [];
  // `pwd`, not a write: were a refusal to regress, the test must not leave a file in a system directory.
  const exitCode = await execCommand({ command: ['pwd'], policyPath, env: {}, output, stdout: { write: (chunk) => stdout.push(chunk) }, stderr: { write: () => undefined }, stdin: 'ignore' });
  expect(Buffer.concat(stdout).toString()).toBe('');
  return { exitCode, stderr: output.stderr() };
}

describe('sandbox workspaces that climb out', () => {
  it('refuses "workspace: ../../etc" in a policy file, which resolves against the file to /etc', async () => {
    const result = await execWith(`workspace: ${toRoot}etc\n`, 'etc.yaml');
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toContain('The sandbox workspace cannot be /etc: it would make a system directory writable');
  });

  it('refuses a workspace inside a system tree, by ".." or by absolute path, and runs nothing', async () => {
    const relative = await execWith(`workspace: ${toRoot}${systemSubdirectory.slice(1)}\n`, 'system-subdirectory.yaml');
    expect(relative.exitCode).toBe(125);
    expect(relative.stderr).toContain(`The sandbox workspace ${systemSubdirectory} is inside /${systemSubdirectory.split('/')[1]}: it would make system files writable`);
    for (const workspace of ['/proc/self', '/dev/shm', '/usr/local']) {
      if (!existsSync(workspace)) continue;
      const error = await runSandboxed({ command: ['true'], policy: parseSandboxPolicy({ workspace }), parentEnvironment: {} }).catch((caught: unknown) => caught);
      expect(isWardenError(error) && error.code, workspace).toBe('invalid_config');
      expect((error as Error).message).toMatch(/is inside \/(proc|dev|usr)|cannot be/);
    }
  });

  it('refuses a workspace that is a symbolic link into a system tree or into a home directory’s dotfiles', async () => {
    const linkToSystem = join(scratch.root, 'link-to-system');
    symlinkSync(systemSubdirectory, linkToSystem);
    const throughLink = await execWith(`workspace: ${linkToSystem}\n`, 'link.yaml');
    expect(throughLink.exitCode).toBe(125);
    expect(throughLink.stderr).toContain(`The sandbox workspace ${systemSubdirectory} is inside`);

    // The agent's own repository holds a link where the policy expects a plain directory.
    const home = join(scratch.root, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    const repoLink = join(scratch.root, 'repo-link');
    symlinkSync(join(home, '.ssh'), repoLink);
    const error = await runSandboxed({ command: ['true'], policy: parseSandboxPolicy({ workspace: repoLink }), parentEnvironment: { HOME: home } }).catch((caught: unknown) => caught);
    expect(isWardenError(error) && error.code).toBe('invalid_config');
    expect((error as Error).message).toBe(`The sandbox workspace ${join(home, '.ssh')} is among the dotfiles of the home directory ${home} (keys, credentials). Use a project directory.`);
  });

  it('still runs in an ordinary project directory given with ".." that stays inside it', async () => {
    const project = join(scratch.workspace, 'project');
    mkdirSync(project, { recursive: true });
    const result = await runSandboxed({ command: ['sh', '-c', 'pwd'], policy: parseSandboxPolicy({ workspace: `${project}/../project/./` }), parentEnvironment: {} });
    expect(result).toMatchObject({ exitCode: 0, stdout: `${project}\n` });
  });
});

describe('tool policies that an agent climbs out of', () => {
  const repo = join(scratch.root, 'repo');
  const outside = join(scratch.root, 'outside');
  mkdirSync(join(repo, 'src'), { recursive: true });
  mkdirSync(join(outside, 'deeper'), { recursive: true });
  writeFileSync(join(repo, 'src', 'app.ts'), 'ok');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'deeper'), join(repo, 'src', 'vendor'));

  let warden: Warden | undefined;
  afterEach(async () => warden?.close());
  const open = () => {
    warden = createWarden({
      config: {
        taskTypes: { coding: {} },
        toolPolicies: [
          {
            appliesTo: { taskType: 'coding' },
            tools: [
              { name: 'shell', commands: { allow: ['cat src/*', 'ls *', 'tool --out=*', 'cat ../shared/*'] } },
              { name: 'read_file', paths: { workspaces: [repo] } },
            ],
          },
        ],
      },
      store: createMemoryStore(),
    });
    return warden;
  };

  it('does not let a "*" in a command pattern stand for ".." path segments', async () => {
    await open().task({ type: 'coding' }, async (task) => {
      for (const command of ['cat src/app.ts', 'cat src/a..b.ts', 'ls -la', 'tool --out=build/x', 'cat ../shared/notes.md']) {
        expect(await task.checkTool('shell', { command }), command).toMatchObject({ kind: 'allow' });
      }
      for (const command of ['cat src/../../etc/passwd', 'cat src/x/../../..', 'ls ..', 'ls ../../..', 'tool --out=../../x', 'cat ../shared/../../etc/passwd']) {
        const decision = await task.checkTool('shell', { command });
        expect(decision, command).toMatchObject({ kind: 'deny' });
        expect((decision as { reason: string }).reason).toContain('a "*" in a pattern does not match a ".." path segment');
      }
      expect(await task.checkTool('shell', { command: ['cat', 'src/../../../etc/shadow'] })).toMatchObject({ kind: 'deny' });
    });
  });

  it('follows directory links the way the kernel does: through a link and "..", and to files not yet written', async () => {
    await open().task({ type: 'coding' }, async (task) => {
      expect(await task.checkTool('read_file', { path: join(repo, 'src', 'app.ts') })).toMatchObject({ kind: 'allow' });
      expect(await task.checkTool('read_file', { path: 'src/new-file.ts' })).toMatchObject({ kind: 'allow' });
      // src/vendor is a link to outside/deeper: its ".." is outside, not src.
      for (const path of ['src/vendor/../secret.txt', join(repo, 'src/vendor/new-file.ts'), 'src/vendor/../../outside/secret.txt', `${repo}/../outside/secret.txt`, '~/.ssh/id_rsa', '']) {
        const decision = await task.checkTool('read_file', { path });
        expect(decision, path).toMatchObject({ kind: 'deny' });
        expect((decision as { reason: string }).reason.length).toBeGreaterThan(20);
      }
      expect(await task.checkTool('read_file', { path: ['src/app.ts', 'src/vendor/x'] })).toMatchObject({ kind: 'deny' });
    });
  });
});
