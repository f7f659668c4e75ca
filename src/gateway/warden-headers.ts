import type { IncomingHttpHeaders } from 'node:http';
import type { TaskRef } from '../core/call-scopes.js';
import type { WardenConfig } from '../core/config-schema.js';
import { usdToNano, type NanoUsd } from '../core/money.js';
import { parseTaskOutcome, type TaskOutcome } from '../core/task-outcome.js';
import { WardenError } from '../core/warden-error.js';
import { parseTags } from '../sdk/guarded-method.js';

/** What a client may say about a call in `x-warden-*` headers; every one is optional. */
export interface WardenRequestHeaders {
  tasks: TaskRef[];
  taskType?: string;
  user?: string;
  tags: Record<string, string>;
  maxCostInNanoUsd?: NanoUsd;
  tier?: string;
  /** `x-warden-task-outcome`: how the call's task ended, recorded for it when the call ends. */
  taskOutcome?: TaskOutcome;
}

const maxHeaderValueLength = 256;

/** Reads and checks the `x-warden-*` headers; a bad one is invalid_request naming the header. */
export function readWardenHeaders(options: { headers: IncomingHttpHeaders; config: Readonly<WardenConfig>; nowInMs: number; requestId: string }): WardenRequestHeaders {
  const { headers, config, nowInMs } = options;
  const read = (name: string): string | undefined => {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value === '') return undefined;
    if (value.length > maxHeaderValueLength) {
      throw new WardenError('invalid_request', `Header ${name} is longer than ${maxHeaderValueLength} characters; shorten it.`, { details: { header: name } });
    }
    return value.trim();
  };
  const taskType = read('x-warden-task-type');
  if (taskType !== undefined && Object.keys(config.taskTypes).length > 0 && config.taskTypes[taskType] === undefined) {
    throw new WardenError(
      'invalid_request',
      `Header x-warden-task-type names an unknown task type "${taskType}". Use one of ${Object.keys(config.taskTypes).map((name) => `"${name}"`).join(', ')}, or add it under taskTypes in the config.`,
      { details: { header: 'x-warden-task-type' } },
    );
  }
  const parent = read('x-warden-parent-task');
  // A task type without a task id makes the call a task of its own, so the type's limits apply.
  const task = read('x-warden-task') ?? (taskType === undefined ? undefined : options.requestId);
  const tasks: TaskRef[] = [];
  if (parent !== undefined) tasks.push({ id: parent, startedAtInMs: nowInMs });
  if (task !== undefined) tasks.push({ id: task, ...(taskType === undefined ? {} : { type: taskType }), startedAtInMs: nowInMs });

  const maxCost = read('x-warden-max-cost-usd');
  const tagsText = read('x-warden-tags');
  const user = read('x-warden-user');
  const tier = read('x-warden-tier');
  const outcomeText = read('x-warden-task-outcome');
  const taskOutcome = outcomeText === undefined ? undefined : parseTaskOutcome(outcomeText, 'Header x-warden-task-outcome');
  if (taskOutcome !== undefined && task === undefined) {
    throw new WardenError('invalid_request', 'Header x-warden-task-outcome needs a task: send x-warden-task with the id of the task that ended.', { details: { header: 'x-warden-task-outcome' } });
  }
  return {
    tasks,
    ...(taskType === undefined ? {} : { taskType }),
    ...(user === undefined ? {} : { user }),
    tags: tagsText === undefined ? {} : parseTags(tagsText),
    ...(maxCost === undefined ? {} : { maxCostInNanoUsd: usdToNano(maxCost, 'Header x-warden-max-cost-usd') }),
    ...(tier === undefined ? {} : { tier }),
    ...(taskOutcome === undefined ? {} : { taskOutcome }),
  };
}
