import type { Clock } from '../core/clock.js';
import type { LedgerEvent } from '../core/ledger-event.js';
import { loopDetectedError } from '../core/loop-detected-error.js';
import type { LoopDetectionConfig } from '../core/loop-detection-config-schema.js';
import { observeCall } from '../core/loop-detector.js';
import type { LoopObservation } from '../core/loop-observation.js';
import { createLoopState, resumeLoopState, type LoopDetection, type LoopState } from '../core/loop-state.js';

/** Loop and stuck detection for the tasks calling through this gateway. */
export interface TaskLoops {
  /** Throws loop_detected when the detector halted the task (action refuse or pause). */
  check(taskId: string): void;
  /** Why the detector halted the task, or undefined while it may call. */
  halted(taskId: string): LoopDetection | undefined;
  /** Records a finished call of the task; a new detection is written to the ledger once per episode. */
  observe(options: { taskId: string; requestId: string; observation: LoopObservation; attribution: Partial<LedgerEvent> }): void;
  /** Lets a halted task call again (an operator decided it may). False when it was not halted. */
  resume(taskId: string): boolean;
}

// Tasks idle this long are forgotten: an agent run that long without a call has ended.
const idleTaskInMs = 60 * 60 * 1000;
const maxTasks = 100_000;

/**
 * Per-task detector state held in this process (a task's calls reaching several replicas are
 * judged per replica). Off, and free, when the config has no loopDetection.
 */
export function createTaskLoops(options: { config: LoopDetectionConfig | undefined; clock: Clock; record: (event: LedgerEvent) => void }): TaskLoops {
  const { config, clock, record } = options;
  const states = new Map<string, { state: LoopState; lastSeenInMs: number }>();
  const forgetIdle = (nowInMs: number): void => {
    // Map order is insertion order and observe() re-inserts, so the idle ones are at the front.
    for (const [taskId, entry] of states) {
      if (nowInMs - entry.lastSeenInMs < idleTaskInMs && states.size <= maxTasks) break;
      states.delete(taskId);
    }
  };
  return {
    check(taskId) {
      const halt = config === undefined ? undefined : states.get(taskId)?.state.halt;
      if (halt !== undefined) throw loopDetectedError(halt.detection, taskId);
    },
    halted(taskId) {
      return config === undefined ? undefined : states.get(taskId)?.state.halt?.detection;
    },
    observe({ taskId, requestId, observation, attribution }) {
      if (config === undefined) return;
      const nowInMs = clock.now();
      const previous = states.get(taskId)?.state ?? createLoopState();
      const { state, verdict } = observeCall(previous, observation, config);
      states.delete(taskId);
      states.set(taskId, { state, lastSeenInMs: nowInMs });
      forgetIdle(nowInMs);
      if (verdict.kind === 'ok' || verdict.ongoing) return;
      record({
        type: 'loop-detect',
        timeInMs: nowInMs,
        requestId,
        ...attribution,
        taskId,
        data: { kind: verdict.kind, reason: verdict.reason, count: verdict.count, threshold: verdict.threshold, detail: verdict.detail, action: verdict.action },
      });
    },
    resume(taskId) {
      const entry = states.get(taskId);
      if (entry?.state.halt === undefined) return false;
      entry.state = resumeLoopState(entry.state);
      return true;
    },
  };
}
