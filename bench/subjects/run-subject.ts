/** What a subject process reports once it listens: where to send load, which key to present, and any headers it needs. */
export interface SubjectReady {
  type: 'ready';
  url: string;
  apiKey: string;
  headers: Record<string, string>;
}

/** A started subject, as its process entry file builds it. */
export interface StartedSubject {
  url: string;
  apiKey: string;
  /** Headers every request to this subject carries (Portkey's provider and custom host). */
  headers?: Record<string, string>;
  /** Applies a change the parent sends between phases (the mock's standing behaviour). */
  control?(change: unknown): void;
  close(): Promise<void>;
}

/** The parent's messages to a subject, and the subject's answer to a control message. */
export type SubjectCommand = { type: 'stop' } | { type: 'control'; change: unknown };
export interface SubjectControlled {
  type: 'controlled';
  error?: string;
}

/**
 * The child side of a subject process: starts it, reports `ready` over IPC, and closes it when the
 * parent sends `stop` or goes away (the IPC channel closes), so no subject outlives its bench.
 */
export async function runSubject(start: () => Promise<StartedSubject>): Promise<void> {
  if (process.send === undefined) throw new Error('A bench subject runs as a child process with an IPC channel; start it from bench/gateway-suite.');
  const subject = await start();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= subject.close().finally(() => {
      if (process.connected) process.disconnect();
    });
    return closing;
  };
  process.on('message', (message: SubjectCommand) => {
    if (message.type === 'stop') void close();
    if (message.type === 'control') {
      const answer: SubjectControlled = { type: 'controlled' };
      try {
        if (subject.control === undefined) throw new Error('This subject takes no control messages.');
        subject.control(message.change);
      } catch (error) {
        answer.error = error instanceof Error ? error.message : String(error);
      }
      process.send?.(answer);
    }
  });
  process.once('disconnect', () => void close());
  const ready: SubjectReady = { type: 'ready', url: subject.url, apiKey: subject.apiKey, headers: subject.headers ?? {} };
  process.send(ready);
}

/** The upstream URL a proxying subject forwards to, passed as its first argument. */
export function upstreamUrlArgument(): string {
  const url = process.argv[2];
  if (url === undefined || !/^http:\/\//.test(url)) throw new Error(`Expected the mock upstream URL as the first argument, got ${String(url)}.`);
  return url;
}
