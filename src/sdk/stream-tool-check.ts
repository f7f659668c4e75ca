import type { ObservedToolCall } from '../core/loop-observation.js';
import { parseToolArguments } from '../core/parse-tool-arguments.js';
import { WardenError } from '../core/warden-error.js';
import type { StreamToolOptions } from './guard-stream.js';
import type { TaskTools } from './task-tools.js';
import type { WardenRuntime } from './warden-runtime.js';

/**
 * How a guarded stream inside a task checks the tool calls of its answer: with the task's tool
 * policy (`task.checkTool`, so a denial is a `tool-deny` event), holding each call's chunks until
 * it is decided when toolChecks.called is refuse. A call that needs approval passes: the person
 * is asked when the app runs it through `task.guardTool`. Undefined outside a task or without
 * tool policies.
 */
export function streamToolCheck(runtime: WardenRuntime, checkTool: TaskTools['checkTool'] | undefined): Pick<StreamToolOptions<unknown>, 'check' | 'hold'> | undefined {
  if (checkTool === undefined || runtime.config.toolPolicies.length === 0) return undefined;
  const refuse = runtime.config.toolChecks.called === 'refuse';
  return {
    hold: refuse,
    check: async (call) => {
      const decision = await checkTool(call.name, parseToolArguments(call.argumentsJson));
      return refuse && decision.kind === 'deny' ? streamedToolRefusal(call, decision.reason) : undefined;
    },
  };
}

function streamedToolRefusal(call: ObservedToolCall, reason: string): WardenError {
  return new WardenError(
    'tool_not_allowed',
    `The model called tool "${call.name}" in a streamed answer, which the tool policy does not allow for this task: ${reason}. The stream was ended before the call; what the model generated is charged. Do not run it: ask again with other instructions, or allow the call in toolPolicies.`,
    { details: { tools: [call.name] } },
  );
}
