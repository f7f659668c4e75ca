import type { MockBehavior } from '../../src/providers/simulated/index.js';
import type { LoadTarget } from '../load/send-chat-request.js';
import { startSubject, type SubjectProcess } from './start-subject.js';
import { subjectNames, type SubjectName } from './subject-names.js';

// The subject under test gets a core to itself; the mock and the load generator share the other.
export const subjectCpu = 0;
export const loadCpu = 1;

const subjectFiles: Readonly<Record<Exclude<SubjectName, 'direct'>, string>> = {
  proxy: './bare-proxy-subject.js',
  portkey: './portkey-subject.js',
  warden: './warden-subject.js',
  'warden-budgets-off': './warden-budgets-off-subject.js',
};

/** A mock upstream and the subjects in front of it, started for one phase of the suite. */
export interface SubjectSet {
  mockUrl: string;
  /** In `subjectNames` order; `direct` goes straight to the mock. */
  targets: LoadTarget[];
  /** Changes the running mock's standing behaviour (between workloads, with nothing in flight). */
  setMock(behavior: Partial<MockBehavior>): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a subject file pinned to the subject core or the load core (when pinning is on). */
export function startPinnedSubject(options: { file: string; args: string[]; role: 'subject' | 'load'; pinned: boolean }): Promise<SubjectProcess> {
  return startSubject({ file: options.file, args: options.args, cpu: options.pinned ? (options.role === 'subject' ? subjectCpu : loadCpu) : undefined });
}

/**
 * Starts one mock upstream process with `mock` as its standing behaviour, then every subject in
 * front of it, each in its own process. If any fails to start, the others are stopped.
 */
export async function startSubjectSet(options: { mock: Partial<MockBehavior>; pinned: boolean; subjects?: readonly SubjectName[] }): Promise<SubjectSet> {
  const { pinned, subjects = subjectNames } = options;
  const mock = await startPinnedSubject({ file: './mock-upstream-subject.js', args: [JSON.stringify(options.mock)], role: 'load', pinned });
  const proxied = subjects.filter((name): name is Exclude<SubjectName, 'direct'> => name !== 'direct');
  const started = await Promise.allSettled(proxied.map((name) => startPinnedSubject({ file: subjectFiles[name], args: [mock.url], role: 'subject', pinned })));
  const processes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((process) => process.stop()));
    await mock.stop();
  };
  const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure !== undefined) {
    await stop();
    throw failure.reason;
  }
  const byName = new Map(proxied.map((name, index) => [name, started[index] as PromiseFulfilledResult<SubjectProcess>]));
  const targets = subjects.map((name): LoadTarget => {
    if (name === 'direct') return { name, url: mock.url, apiKey: mock.apiKey, headers: {} };
    const { value } = byName.get(name) as PromiseFulfilledResult<SubjectProcess>;
    return { name, url: value.url, apiKey: value.apiKey, headers: value.headers, pid: value.pid };
  });
  return { mockUrl: mock.url, targets, setMock: (behavior) => mock.control(behavior), stop };
}
