import type { LedgerEvent } from '../core/ledger-event.js';
import type { LoopDetectionConfig } from '../core/loop-detection-config-schema.js';
import type { ShadowEvent } from './record-shadow.js';

/**
 * Loop detection in mode shadow: the detector runs with action alert (the task goes on), and
 * each detection it records (`loop-detect`) is followed by a `shadow-decide` saying what the
 * configured action (refuse, pause) would have done. Enforced configs pass through unchanged.
 */
export function shadowLoopDetection(options: {
  config: LoopDetectionConfig | undefined;
  record: (event: LedgerEvent) => void;
  recordShadow: (event: ShadowEvent, fields: Omit<Partial<LedgerEvent>, 'type' | 'data'>) => void;
}): { config: LoopDetectionConfig | undefined; record: (event: LedgerEvent) => void } {
  const { config, record, recordShadow } = options;
  if (config === undefined || config.mode !== 'shadow' || config.action === 'alert') return { config, record };
  const wouldAction = config.action;
  return {
    config: { ...config, action: 'alert' },
    record: (event) => {
      record(event);
      if (event.type !== 'loop-detect') return;
      const { type: _type, data, ...fields } = event;
      const detail = typeof data?.detail === 'string' ? data.detail : 'a loop';
      recordShadow(
        {
          ...(event.requestId === undefined ? {} : { requestId: event.requestId }),
          kind: wouldAction === 'pause' ? 'hold' : 'refuse',
          policy: 'loop-detection',
          scope: 'loopDetection',
          reason: `task "${event.taskId ?? ''}" looks ${data?.kind === 'stuck' ? 'stuck' : 'stuck in a loop'} (${detail}); action ${wouldAction} would have ${wouldAction === 'pause' ? 'held its next calls for approval' : 'refused its next calls'}`,
          details: { detection: data?.kind, detectionReason: data?.reason, count: data?.count, threshold: data?.threshold, action: wouldAction, ...(wouldAction === 'refuse' ? { errorCode: 'loop_detected' } : {}) },
        },
        fields,
      );
    },
  };
}
