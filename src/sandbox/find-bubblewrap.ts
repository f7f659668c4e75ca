import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WardenError } from '../core/warden-error.js';
import { findExecutable } from './find-executable.js';

const systemDirectories = ['/usr/bin', '/usr/local/bin', '/bin'];
const minimumVersion = [0, 8, 0] as const;
const installHint = 'Install it with `apt-get install bubblewrap` (Debian, Ubuntu) or `dnf install bubblewrap` (Fedora); Warden never runs a command unsandboxed.';

/**
 * The path of a bubblewrap (`bwrap`) of version 0.8.0 or newer: the first of `candidates`, or else
 * of the system directories and then `searchPath` (a PATH-style list). Throws `invalid_config`
 * naming the install command.
 * @example const bubblewrapPath = await findBubblewrap({ searchPath: process.env.PATH });
 */
export async function findBubblewrap(options: { candidates?: readonly string[]; searchPath?: string } = {}): Promise<string> {
  // Only absolute PATH entries: a relative one would let the current directory supply a fake bwrap.
  const searched = [...systemDirectories, ...(options.searchPath ?? '').split(':').filter((directory) => directory.startsWith('/'))];
  const path = findExecutable(options.candidates ?? searched.map((directory) => join(directory, 'bwrap')));
  if (path === undefined) {
    throw new WardenError('invalid_config', `bubblewrap (bwrap) is not installed, and sandboxed commands need it. ${installHint}`, {
      details: { reason: 'sandbox_unavailable' },
    });
  }
  const version = await versionOf(path);
  if (compareVersions(version, minimumVersion) < 0) {
    throw new WardenError(
      'invalid_config',
      `${path} is bubblewrap ${version.join('.')}; Warden needs ${minimumVersion.join('.')} or newer (for --size and --disable-userns). ${installHint}`,
      { details: { reason: 'sandbox_unavailable', path, version: version.join('.') } },
    );
  }
  return path;
}

async function versionOf(path: string): Promise<number[]> {
  let text: string;
  try {
    ({ stdout: text } = await promisify(execFile)(path, ['--version'], { timeout: 10_000 }));
  } catch (cause) {
    throw new WardenError('invalid_config', `${path} --version failed: ${(cause as Error).message}. ${installHint}`, {
      cause,
      details: { reason: 'sandbox_unavailable', path },
    });
  }
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) throw new WardenError('invalid_config', `${path} --version printed ${JSON.stringify(text.trim())}, not a bubblewrap version. ${installHint}`, { details: { reason: 'sandbox_unavailable', path } });
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

function compareVersions(left: readonly number[], right: readonly number[]): number {
  for (let index = 0; index < right.length; index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
