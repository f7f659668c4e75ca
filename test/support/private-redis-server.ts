import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A redis-server of the test's own (Debian's binary, as on every machine here), which the test may stop and start. */
export interface PrivateRedisServer {
  url: string;
  /** SIGKILL: the server dies without a chance to save anything more. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (its append-only file). */
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/**
 * Runs redis-server on a free port with its data in `directory`, every write appended and fsynced
 * (appendonly yes, appendfsync always), as a production Redis holding budgets should be run.
 */
export async function startPrivateRedisServer(directory: string): Promise<PrivateRedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      };
      started.stdout?.on('data', onData);
      started.once('error', (error) => reject(new Error(`redis-server could not start (${error.message}); install Debian's redis-server.`)));
      started.once('exit', (code) => reject(new Error(`redis-server exited with ${String(code)}:\n${output}`)));
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    async kill() {
      const running = child;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGKILL');
      await exited;
    },
    start,
  };
}
