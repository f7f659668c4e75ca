import { createMockUpstream, type MockBehavior } from '../../src/providers/simulated/index.js';
import { runSubject } from './run-subject.js';

/**
 * The shared mock upstream, with the standing behaviour given as JSON in the first argument
 * (latency, pacing, output tokens) and changed between phases by control messages (a behaviour
 * object, applied with `setBehavior`). No prompt cache; it keeps only the last request, so 1 MB
 * bodies do not pile up in its memory.
 */
await runSubject(async () => {
  const upstream = await createMockUpstream({ promptCaching: false, maxRecordedRequests: 1, behavior: behaviorFrom(JSON.parse(process.argv[2] ?? 'null')) });
  return {
    url: upstream.url,
    apiKey: 'bench',
    control: (change) => upstream.setBehavior(behaviorFrom(change)),
    close: () => upstream.close(),
  };
});

function behaviorFrom(value: unknown): Partial<MockBehavior> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`Expected the mock's behaviour as a JSON object, got ${JSON.stringify(value)}.`);
  return value as Partial<MockBehavior>;
}
