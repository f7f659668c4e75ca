import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled (dist/bench/subjects/) the CLI is ../../src/cli/main.js; run from source, the built one in dist/.
const here = fileURLToPath(import.meta.url);
const cli = resolve(dirname(here), here.includes('/dist/') ? '../../src/cli/main.js' : '../../dist/src/cli/main.js');

/** One `warden serve` process of a replica set. */
export interface Replica {
  index: number;
  url: string;
  process: ChildProcess;
  /** Everything it wrote, for a failing test's message. */
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: no drain, no flush. */
  kill(): Promise<void>;
}

/**
 * Starts replica `index` of a set: the built CLI (`npm run build`) serving `config` (written as
 * JSON, which is YAML) on a free port, each replica with its own SQLite file and spool directory.
 */
export async function startReplica(options: { directory: string; index: number; config: Record<string, unknown>; env?: NodeJS.ProcessEnv }): Promise<Replica> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: the scale-out suite runs the built CLI; run \`npm run build\` first (npm test does).`);
  const { directory, index } = options;
  const own = join(directory, `replica-${index}`);
  mkdirSync(own, { recursive: true });
  const configPath = join(own, 'warden.yaml');
  const config = {
    ...options.config,
    server: { ...(options.config.server as object), sqlitePath: join(own, 'warden.db') },
    storage: { ...(options.config.storage as object), spoolDirectory: join(own, 'spool') },
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const child = spawn(process.execPath, [cli, 'serve', '--config', configPath, '--port', '0', '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica ${index} did not start within 20 s:\n${output}`)), 20_000);
    const onData = (): void => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica ${index} exited with ${String(code)} before listening:\n${output}`));
    });
  });
  return {
    index,
    url,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
