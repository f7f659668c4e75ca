import type { Clock } from '../core/clock.js';
import { newTaskGuardRecord, taskGuardIdleInMs } from '../core/guard-records.js';
import type { LedgerEvent } from '../core/ledger-event.js';
import { loopDetectedError } from '../core/loop-detected-error.js';
import type { LoopDetectionConfig } from '../core/loop-detection-config-schema.js';
import { observeCall } from '../core/loop-detector.js';
import type { LoopObservation } from '../core/loop-observation.js';
import { createLoopState, resumeLoopState, type LoopDetection, type LoopVerdict } from '../core/loop-state.js';
import type { GuardStore } from '../core/store.js';

/** Loop and stuck detection for the tasks calling through this gateway or SDK. */
export interface TaskLoops {
  /** False without loopDetection in the config: then nothing here touches the store. */
  readonly enabled: boolean;
  /** Throws loop_detected when the detector halted the task (action refuse or pause). */
  check(taskId: string): Promise<void>;
  /** Why the detector halted the task, or undefined while it may call. */
  halted(taskId: string): Promise<LoopDetection | undefined>;
  /** Records a finished call of the task; a new detection is written to the ledger once per episode. */
  observe(options: { taskId: string; requestId: string; observation: LoopObservation; attribution: Partial<LedgerEvent> }): Promise<void>;
  /** Lets a halted task call again (an operator decided it may). False when it was not halted. */
  resume(taskId: string): Promise<boolean>;
}

/**
 * Per-task detector state kept in the store's task guard records, so a task's calls reaching
 * several replicas (or SDK processes on one store) are judged together. Off, and free, when the
 * config has no loopDetection.
 */
export function createTaskLoops(options: { config: LoopDetectionConfig | undefined; store: GuardStore; clock: Clock; record: (event: LedgerEvent) => void }): TaskLoops {
  const { config, store, clock, record } = options;
  const halted = async (taskId: string): Promise<LoopDetection | undefined> => {
    if (config === undefined) return undefined;
    return (await store.findTaskGuard(taskId, clock.now()))?.loop?.halt?.detection;
  };
  return {
    enabled: config !== undefined,
    halted,
    async check(taskId) {
      const detection = await halted(taskId);
      if (detection !== undefined) throw loopDetectedError(detection, taskId);
    },
    async observe({ taskId, requestId, observation, attribution }) {
      if (config === undefined) return;
      const nowInMs = clock.now();
      // The store may run the change again after another writer's update: the verdict kept is the one written.
      let verdict = { kind: 'ok' } as LoopVerdict;
      await store.updateTaskGuard({
        taskId,
        nowInMs,
        keepForInMs: taskGuardIdleInMs,
        change: (previous) => {
          const observed = observeCall(previous?.loop ?? createLoopState(), observation, config);
          verdict = observed.verdict;
          return { ...(previous ?? newTaskGuardRecord(taskId, nowInMs)), lastSeenInMs: nowInMs, loop: observed.state };
        },
      });
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
    async resume(taskId) {
      let resumed = false;
      const nowInMs = clock.now();
      await store.updateTaskGuard({
        taskId,
        nowInMs,
        keepForInMs: taskGuardIdleInMs,
        change: (previous) => {
          resumed = previous?.loop?.halt !== undefined;
          return resumed && previous?.loop !== undefined ? { ...previous, lastSeenInMs: nowInMs, loop: resumeLoopState(previous.loop) } : previous;
        },
      });
      return resumed;
    },
  };
}

