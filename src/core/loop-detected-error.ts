import type { LoopDetection } from './loop-state.js';
import { WardenError } from './warden-error.js';

const thresholdOf: Record<LoopDetection['reason'], string> = {
  'repeated-request': 'repeatThreshold',
  'repeated-tool-call': 'repeatThreshold',
  oscillation: 'oscillationThreshold',
  'no-progress': 'noProgressThreshold',
  'consecutive-failures': 'maxConsecutiveFailures',
};

/**
 * The `loop_detected` refusal for a task the detector halted, worded for the agent's developer.
 * @example throw loopDetectedError(state.halt.detection, 'task-42');
 */
export function loopDetectedError(detection: LoopDetection, taskId: string): WardenError {
  const fix =
    detection.reason === 'consecutive-failures'
      ? 'The upstream keeps failing: check the provider, then start a new task or have an operator resume this one.'
      : `The agent keeps getting the same answers: change its approach, or raise loopDetection.${thresholdOf[detection.reason]} if this repetition is intended.`;
  return new WardenError('loop_detected', `Task "${taskId}" looks ${detection.kind === 'loop' ? 'stuck in a loop' : 'stuck'}: ${detection.detail}. ${fix}`, {
    details: { taskId, reason: detection.reason, count: detection.count, threshold: detection.threshold, action: detection.action },
  });
}
