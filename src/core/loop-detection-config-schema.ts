import { z } from 'zod';
import { enforcementMode, positiveInteger } from './config-fields.js';

/** What happens when a task loops or is stuck. */
export const loopActionSchema = z.enum(['alert', 'refuse', 'pause'], {
  error: 'expected one of alert (record and notify, let the call through), refuse (answer loop_detected) or pause (hold the task until a person approves)',
});

const threshold = positiveInteger.min(2, { error: 'a threshold of 1 would fire on the first call; use 2 or more' });

/**
 * Loop and stuck detection over a sliding window of each task's calls. Absent from the config
 * means off; `loopDetection: {}` turns it on with these defaults.
 */
export const loopDetectionConfigSchema = z
  .strictObject({
    /** How many of a task's most recent calls the detector looks at. */
    window: positiveInteger.max(200, { error: 'a window above 200 calls keeps too much per-task state; 20 to 50 is plenty' }).default(20),
    /** The same request, or the same tool call with the same result, this many times in the window. */
    repeatThreshold: threshold.default(5),
    /** This many A→B cycles in a row between two tool calls whose results do not change. */
    oscillationThreshold: threshold.default(3),
    /** This many calls in a row whose new messages (tool results, replies) were all seen before. */
    noProgressThreshold: threshold.default(5),
    /** Stuck when more upstream calls than this fail in a row. */
    maxConsecutiveFailures: positiveInteger.default(5),
    action: loopActionSchema.default('refuse'),
    /** shadow: a detection is recorded as what `action` would have done (refuse, pause), and the task goes on as with alert. */
    mode: enforcementMode.default('enforce'),
  })
  .refine((config) => config.repeatThreshold <= config.window, {
    error: 'repeatThreshold is above window, so it could never fire; raise window or lower repeatThreshold',
    path: ['repeatThreshold'],
  })
  .refine((config) => config.oscillationThreshold * 2 <= config.window, {
    error: 'an oscillation of oscillationThreshold cycles takes twice as many calls as fit in window; raise window or lower oscillationThreshold',
    path: ['oscillationThreshold'],
  });

export type LoopAction = z.output<typeof loopActionSchema>;
export type LoopDetectionConfig = z.output<typeof loopDetectionConfigSchema>;

/** The defaults, for callers that turn detection on without a config. */
export const defaultLoopDetectionConfig: Readonly<LoopDetectionConfig> = Object.freeze(loopDetectionConfigSchema.parse({}));
