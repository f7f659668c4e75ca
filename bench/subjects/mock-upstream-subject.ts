import { createMockUpstream } from '../../src/providers/simulated/index.js';
import { runSubject } from './run-subject.js';

/** The shared instant mock upstream: no latency, no prompt cache, a fixed reply length (first argument, in tokens). */
await runSubject(async () => {
  const outputTokens = Number(process.argv[2]);
  if (!Number.isSafeInteger(outputTokens) || outputTokens < 1) throw new Error(`Expected the mock's output tokens as the first argument, got ${String(process.argv[2])}.`);
  const upstream = await createMockUpstream({ promptCaching: false, behavior: { latencyInMs: 0, outputTokens } });
  return { url: upstream.url, apiKey: 'bench', close: () => upstream.close() };
});
