import { runBodySizeWorkload } from './load/body-size-workload.js';
import { runBudgetContentionWorkload } from './load/budget-contention-workload.js';
import { runConcurrencySweepWorkload } from './load/concurrency-sweep-workload.js';
import { runInFlightWorkload } from './load/in-flight-workload.js';
import { runOneAtATimeWorkload } from './load/one-at-a-time-workload.js';
import type { LoadTarget } from './load/send-chat-request.js';
import { runStreamingWorkload } from './load/streaming-workload.js';
import { checkSubjectSet } from './subjects/check-subject-set.js';
import { startSubjectSet, type SubjectSet } from './subjects/start-subject-set.js';
import type { SuiteResults, WorkloadName } from './suite-results.js';
import { mockProfiles, stallFactor, type MockProfile, type SuiteSettings } from './suite-settings.js';

/**
 * Runs the chosen workloads in two phases, each with a fresh mock process and a fresh process per
 * subject in front of it, checked first to answer with the mock's own answer: W1, W2 and W6 on the
 * instant mock, W2 again with the mock switched to 20 ms, W4 with it switched to paced streams;
 * then W3 on its own fresh subjects (so their memory has no history) against a 1 s mock. W5
 * starts its own Wardens.
 */
export async function runGatewaySuite(options: { settings: SuiteSettings; workloads: ReadonlySet<WorkloadName>; pinned: boolean; log: (line: string) => void }): Promise<SuiteResults> {
  const { settings, workloads, pinned, log } = options;
  const results: SuiteResults = {};
  const phase = async (mock: MockProfile, measure: (set: SubjectSet) => Promise<void>): Promise<void> => {
    const set = await startSubjectSet({ mock, pinned });
    try {
      await checkSubjectSet(set.targets);
      await measure(set);
    } finally {
      await set.stop();
    }
  };
  const sweep = (targets: LoadTarget[], mock: string) => runConcurrencySweepWorkload({ targets, mock, ...settings.sweep });

  if (workloads.has('W1') || workloads.has('W2') || workloads.has('W6') || workloads.has('W4')) {
    await phase(mockProfiles.instant, async ({ targets, setMock }) => {
      if (workloads.has('W1')) {
        log('W1: one request at a time (instant mock)…');
        results.W1 = await runOneAtATimeWorkload({ targets, ...settings.oneAtATime });
      }
      if (workloads.has('W6')) {
        log(`W6: request bodies of ${settings.bodySizes.sizesInBytes.join(', ')} bytes…`);
        results.W6 = await runBodySizeWorkload({ targets, ...settings.bodySizes });
      }
      if (workloads.has('W2')) {
        log(`W2: concurrency sweep ${settings.sweep.connectionCounts.join(', ')} (instant mock)…`);
        const instant = await sweep(targets, 'instant');
        await setMock(mockProfiles.latency20Ms);
        log(`W2: concurrency sweep ${settings.sweep.connectionCounts.join(', ')} (20 ms mock)…`);
        results.W2 = [instant, await sweep(targets, '20 ms')];
      }
      if (workloads.has('W4')) {
        await setMock(mockProfiles.paced);
        const { chunkIntervalInMs, outputTokens } = mockProfiles.paced;
        log(`W4: ${settings.streaming.streams} streams of ~${outputTokens} chunks at ${chunkIntervalInMs} ms…`);
        results.W4 = await runStreamingWorkload({ targets, ...settings.streaming, stallThresholdInMs: stallFactor * chunkIntervalInMs, streamDurationInMs: chunkIntervalInMs * outputTokens });
      }
    });
  }
  if (workloads.has('W3')) {
    await phase(mockProfiles.latency1S, async ({ targets }) => {
      log(`W3: ${settings.inFlight.requests} requests in flight (1 s mock)…`);
      results.W3 = await runInFlightWorkload({ targets, ...settings.inFlight });
    });
  }
  if (workloads.has('W5')) {
    log(`W5: ${settings.contention.requests} requests at once on a team budget for ${settings.contention.affordableCalls} calls…`);
    results.W5 = await runBudgetContentionWorkload({ pinned, ...settings.contention });
  }
  return results;
}
