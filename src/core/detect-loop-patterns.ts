import type { LoopDetectionConfig } from './loop-detection-config-schema.js';
import type { LoopCallRecord, LoopDetection } from './loop-state.js';

/** A detection before the action and episode flag are attached, with a key naming its episode. */
export type PatternDetection = Omit<LoopDetection, 'action' | 'ongoing'> & { key: string };

/**
 * Repeats and oscillations among the successful calls of a window, judged for the last call,
 * most telling first. Failed calls are retries and count only as failures.
 */
export function detectLoopPatterns(records: readonly LoopCallRecord[], config: LoopDetectionConfig): PatternDetection[] {
  const successful = records.filter((record) => !record.failed);
  const steps = successful.map((record, index) => stepOf(successful, index));
  return [repeatedToolCall(successful, steps, config), repeatedRequest(successful, config), oscillation(successful, steps, config)].filter(
    (detection): detection is PatternDetection => detection !== undefined,
  );
}

/**
 * A call's tool calls together with their results. The last call's results are not known yet,
 * so it is taken to get what the same tool calls got last time: asking again for something
 * that did not change is the loop.
 */
function stepOf(records: readonly LoopCallRecord[], index: number): string | undefined {
  const record = records[index];
  if (record?.toolCallsFingerprint === undefined) return undefined;
  let results = record.resultsFingerprint;
  for (let earlier = index - 1; results === undefined && earlier >= 0; earlier -= 1) {
    const candidate = records[earlier];
    if (candidate?.toolCallsFingerprint === record.toolCallsFingerprint) results = candidate.resultsFingerprint;
  }
  return `${record.toolCallsFingerprint}:${results ?? 'pending'}`;
}

function repeatedToolCall(records: readonly LoopCallRecord[], steps: ReadonlyArray<string | undefined>, config: LoopDetectionConfig): PatternDetection | undefined {
  const last = records.length - 1;
  const step = steps[last];
  if (step === undefined) return undefined;
  // Occurrences separated by a new tool result or a new action are polling or trying things,
  // not a loop. The call before the last news counts: its result was the news.
  let runStart = last;
  while (runStart > 0 && !(records[runStart]?.newInput || records[runStart]?.newAction)) runStart -= 1;
  const count = steps.slice(Math.max(0, runStart - 1)).filter((candidate) => candidate === step).length;
  if (count < config.repeatThreshold) return undefined;
  return {
    kind: 'loop',
    reason: 'repeated-tool-call',
    count,
    threshold: config.repeatThreshold,
    detail: `tool call ${records[last]?.toolCallsLabel ?? ''} made ${count} times with the same result and nothing new in between (repeatThreshold is ${config.repeatThreshold})`,
    key: `repeated-tool-call:${step}`,
  };
}

function repeatedRequest(records: readonly LoopCallRecord[], config: LoopDetectionConfig): PatternDetection | undefined {
  const fingerprint = records.at(-1)?.requestFingerprint;
  if (fingerprint === undefined) return undefined;
  const count = records.filter((record) => record.requestFingerprint === fingerprint).length;
  if (count < config.repeatThreshold) return undefined;
  return {
    kind: 'loop',
    reason: 'repeated-request',
    count,
    threshold: config.repeatThreshold,
    detail: `the same request was sent ${count} times within the task's last ${config.window} calls (repeatThreshold is ${config.repeatThreshold})`,
    key: `repeated-request:${fingerprint}`,
  };
}

function oscillation(records: readonly LoopCallRecord[], steps: ReadonlyArray<string | undefined>, config: LoopDetectionConfig): PatternDetection | undefined {
  const last = steps.length - 1;
  const [first, second] = [steps[last], steps[last - 1]];
  if (first === undefined || second === undefined || first === second) return undefined;
  let length = 2;
  while (last - length >= 0 && steps[last - length] === steps[last - length + 2]) length += 1;
  const cycles = Math.floor(length / 2);
  if (cycles < config.oscillationThreshold) return undefined;
  const labels = [records[last - 1]?.toolCallsLabel ?? '', records[last]?.toolCallsLabel ?? ''];
  return {
    kind: 'loop',
    reason: 'oscillation',
    count: cycles,
    threshold: config.oscillationThreshold,
    detail: `alternating between ${labels[0]} and ${labels[1]} with unchanged results for ${cycles} cycles (oscillationThreshold is ${config.oscillationThreshold})`,
    key: `oscillation:${[first, second].sort().join('|')}`,
  };
}
