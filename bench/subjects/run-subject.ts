/** What a subject process reports once it listens: where to send load and which key to present. */
export interface SubjectReady {
  type: 'ready';
  url: string;
  apiKey: string;
}

/** A started subject, as its process entry file builds it. */
export interface StartedSubject {
  url: string;
  apiKey: string;
  close(): Promise<void>;
}

/**
 * The child side of a subject process: starts it, reports `ready` over IPC, and closes it when the
 * parent sends `stop` or goes away (the IPC channel closes), so no subject outlives its bench.
 */
export async function runSubject(start: () => Promise<StartedSubject>): Promise<void> {
  if (process.send === undefined) throw new Error('A bench subject runs as a child process with an IPC channel; start it from bench/gateway-overhead.');
  const subject = await start();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= subject.close().finally(() => {
      if (process.connected) process.disconnect();
    });
    return closing;
  };
  process.on('message', (message: unknown) => {
    if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'stop') void close();
  });
  process.once('disconnect', () => void close());
  const ready: SubjectReady = { type: 'ready', url: subject.url, apiKey: subject.apiKey };
  process.send(ready);
}

/** The upstream URL a proxying subject forwards to, passed as its first argument. */
export function upstreamUrlArgument(): string {
  const url = process.argv[2];
  if (url === undefined || !/^http:\/\//.test(url)) throw new Error(`Expected the mock upstream URL as the first argument, got ${String(url)}.`);
  return url;
}
