import type { CallScopes, TaskRef } from '../core/call-scopes.js';
import type { Dialect } from '../providers/estimate-input-tokens.js';
import { observedMessages } from '../providers/observe-call.js';
import { attribution } from '../sdk/prepare-call.js';
import type { ClientCall } from './call-attempt.js';
import type { GatewayContext } from './gateway-context.js';

/**
 * Files what an answer means for its task's guards (the loop detector, the tool-call count) once
 * per call; returns the function that does it, taking whether the call failed. When a guard is on,
 * a non-streamed answer runs it before its bytes go out (`call.beforeAnswer`), so the task's next
 * call, whichever replica it reaches, is judged with this one counted.
 */
export function createTaskAnswerRecorder(options: { context: GatewayContext; call: ClientCall; tasks: readonly TaskRef[]; dialect: Dialect; body: Readonly<Record<string, unknown>>; scopes: CallScopes }): (failed: boolean) => Promise<void> {
  const { context, call, tasks } = options;
  const taskId = tasks.at(-1)?.id;
  if (taskId === undefined || !(context.taskLoops.enabled || context.taskLimits.countsToolCalls)) return async () => undefined;
  let recorded = false;
  const recordAnswer = async (failed: boolean): Promise<void> => {
    if (recorded) return;
    recorded = true;
    try {
      if (context.taskLoops.enabled) {
        const observation = { messages: observedMessages(options.dialect, options.body), toolCalls: failed ? [] : (call.toolCalls ?? []), failed, timeInMs: context.clock.now() };
        await context.taskLoops.observe({ taskId, requestId: call.requestId, observation, attribution: attribution(options.scopes) });
      }
      if (!failed && call.toolCalls !== undefined) await context.taskLimits.countToolCalls(tasks, call.toolCalls.length);
    } catch (error) {
      // The answer is paid for and on its way: the task's next call is checked against the store again.
      context.logger.warn({ requestId: call.requestId, taskId, err: error }, 'could not record the answer in the task guard state');
    }
  };
  call.beforeAnswer = () => recordAnswer(false);
  return recordAnswer;
}
