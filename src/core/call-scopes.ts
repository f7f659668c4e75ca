import type { LimitsConfig } from './budget-config-schema.js';

/** A task in the chain a call runs under, root first. */
export interface TaskRef {
  id: string;
  type?: string;
  /** Limits given when the task was started; they override the task type's defaults. */
  limits?: Partial<LimitsConfig>;
  /** When the task started; its lifetime lines last until it is long gone. */
  startedAtInMs: number;
}

/** Everything a call is charged to. */
export interface CallScopes {
  org: string;
  team?: string;
  key?: string;
  tasks: TaskRef[];
  user?: string;
  tags: Readonly<Record<string, string>>;
  model: string;
  provider: string;
}
