import { AsyncLocalStorage } from 'node:async_hooks';
import type { TaskRef } from '../core/call-scopes.js';
import type { TaskTools } from './task-tools.js';

/** Who a call is charged to, carried through async code by warden.task and warden.attribute. */
export interface CallContext {
  tasks: readonly TaskRef[];
  team?: string;
  key?: string;
  user?: string;
  tags: Readonly<Record<string, string>>;
  /** The innermost task's tool policy check, for the tool calls of streamed answers. */
  checkTool?: TaskTools['checkTool'];
}

const storage = new AsyncLocalStorage<CallContext>();
const emptyContext: CallContext = Object.freeze({ tasks: [], tags: Object.freeze({}) });

export function currentContext(): CallContext {
  return storage.getStore() ?? emptyContext;
}

export function runInContext<T>(context: CallContext, body: () => T): T {
  return storage.run(context, body);
}
