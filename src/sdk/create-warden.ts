import { timeOrderedId } from './time-ordered-id.js';
import { setTimeout as delay } from 'node:timers/promises';
import type { LimitsConfig } from '../core/budget-config-schema.js';
import { budgetLineKey, createWindowCache } from '../core/budget-window.js';
import type { TaskRef } from '../core/call-scopes.js';
import type { Clock } from '../core/clock.js';
import type { LedgerEvent } from '../core/ledger-event.js';
import type { WardenConfig } from '../core/config-schema.js';
import { usdToNano, type NanoUsd } from '../core/money.js';
import { parseConfig } from '../core/parse-config.js';
import { createPriceCatalogue } from '../core/price-catalogue.js';
import { scopeKey } from '../core/scope.js';
import { parseTaskOutcome, parseTaskOutcomeNote, taskFinishEvent, type TaskOutcome } from '../core/task-outcome.js';
import type { Store } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';
import type { AttributionOptions } from './guarded-method.js';
import { currentContext, runInContext, type CallContext } from './task-context.js';
import { createApprovals } from './approvals.js';
import { createTaskLoops } from './task-loops.js';
import { recordShadow } from './record-shadow.js';
import { shadowLoopDetection } from './shadow-loop-detection.js';
import { createTaskTools, type ApprovalHandler, type TaskTools } from './task-tools.js';
import type { WardenHooks, WardenRuntime } from './warden-runtime.js';
import { wrapAnthropicClient, wrapOpenAIClient } from './wrap-clients.js';
import { alertFromStage, type Alert } from './alert.js';
import { createAlertSink, type AlertSink } from './alert-sink.js';
import { watchSlos, type SloWatch } from './watch-slos.js';

export interface CreateWardenOptions {
  /** A config object (validated here) or the result of parseConfig. */
  config?: unknown;
  store: Store;
  clock?: Clock;
  hooks?: WardenHooks;
  newId?: () => string;
  random?: () => number;
  /**
   * Asked when the tool policy holds a tool call for a person (guardTool); resolve true to allow.
   * Either way the approval is filed in the store, where `warden approvals approve|deny` can decide
   * it too; without this hook the call waits for that (or toolChecks.approvalTimeoutInSeconds, then denied).
   */
  approve?: ApprovalHandler;
  /** Every alert (budget stage reached, SLO breached), besides the config's webhooks: log or count it here. */
  onAlert?: (alert: Alert) => void;
  /** A webhook gave up on an alert; `webhook` is its host only (the path is its secret). Default: hooks.onError. */
  onAlertDeliveryError?: (error: unknown, webhook: string) => void;
}

export interface TaskOptions {
  id?: string;
  type?: string;
  /** Hard limit over the task's lifetime: "0.50", 0.5, or full limits; with `mode: 'shadow'` they (and maxLlmCalls) are only judged and recorded. */
  budget?: string | number | Partial<Omit<LimitsConfig, 'hard' | 'soft'> & { hard: string | number; soft: string | number }>;
  maxLlmCalls?: number;
  /** Defaults to the task this one is started inside, if any. */
  parent?: Task;
  user?: string;
  tags?: Record<string, string>;
}

/** A unit of agent work with its own budget; calls inside it also charge its parents. */
export interface Task {
  readonly id: string;
  readonly type: string | undefined;
  readonly parent: Task | undefined;
  /** What this task and its sub-tasks have been charged so far. */
  spentInNanoUsd(): Promise<NanoUsd>;
  /** What its own hard limit still allows, or undefined when it has none. */
  remainingInNanoUsd(): Promise<NanoUsd | undefined>;
  /** The tool policy's decision for a call of this task (a denial is a ledger event). */
  checkTool: TaskTools['checkTool'];
  /** Wraps a tool so each call is checked (and approved, when the policy says so) before it runs. */
  guardTool: TaskTools['guardTool'];
  /** Runs a command in the sandbox, as `warden exec` does. */
  exec: TaskTools['exec'];
  /**
   * Reports how the task ended, as a `task-finish` ledger event; resolves once it is stored.
   * Cost reports count a task's last report (success rate, cost per successful outcome).
   * @example await task.finish({ outcome: 'success' });
   */
  finish(result: { outcome: TaskOutcome; note?: string }): Promise<void>;
}

export interface Warden {
  readonly config: Readonly<WardenConfig>;
  readonly runtime: WardenRuntime;
  /** Runs `body` as a task: every guarded call inside it is charged to it and its parents. */
  task<T>(options: TaskOptions, body: (task: Task) => Promise<T>): Promise<T>;
  /** Runs `body` with calls attributed to a user, team, key or tags. */
  attribute<T>(attribution: Omit<AttributionOptions, 'provider'>, body: () => T): T;
  /** Guards an official `openai` client. */
  openai<Client extends object>(client: Client, attribution?: AttributionOptions): Client;
  /** Guards an official `@anthropic-ai/sdk` client. */
  anthropic<Client extends object>(client: Client, attribution?: AttributionOptions): Client;
  /** Where budget-stage and SLO alerts go: onAlert and the config's webhooks. */
  readonly alerts: AlertSink;
  /** The SLO watch over the ledger, when some SLO has a target, a p95 bound or a monthly budget. */
  readonly slos: SloWatch | undefined;
  flush(): Promise<void>;
  /** Stops the SLO watch and closes the store. */
  close(): Promise<void>;
}

/**
 * Creates Warden over a config and a store.
 * @example const warden = createWarden({ config: { budgets: [{ scope: 'team:research', window: 'day', hard: '25' }] }, store: createMemoryStore() });
 */
export function createWarden(options: CreateWardenOptions): Warden {
  const config = isParsed(options.config) ? options.config : parseConfig(options.config);
  const clock = options.clock ?? { now: () => Date.now() };
  const userHooks = options.hooks ?? {};
  const { store } = options;
  const alerts = createAlertSink({
    config: config.alerts,
    ...(options.onAlert === undefined ? {} : { onAlert: options.onAlert }),
    onDeliveryError: options.onAlertDeliveryError ?? ((error) => userHooks.onError?.(error)),
  });
  const hooks: WardenHooks = {
    ...userHooks,
    onStage: (event) => {
      userHooks.onStage?.(event);
      alerts.send(alertFromStage(event, clock.now()));
    },
  };
  const sleep = (delayInMs: number, signal?: AbortSignal): Promise<void> => delay(delayInMs, undefined, signal ? { signal } : {});
  const record = (event: LedgerEvent): void => {
    store.append([event]).catch((error: unknown) => hooks.onError?.(error));
  };
  const runtime: WardenRuntime = {
    config,
    store,
    clock,
    catalogue: createPriceCatalogue({ clock, overrides: config.prices.overrides, ...(config.prices.fallback ? { fallback: config.prices.fallback } : {}) }),
    windows: createWindowCache({ timeZone: config.timeZone }),
    newId: options.newId ?? (() => timeOrderedId()),
    random: options.random ?? Math.random,
    sleep,
    hooks,
    record,
    taskLoops: createTaskLoops({ ...shadowLoopDetection({ config: config.loopDetection, record, recordShadow: (event, fields) => recordShadow(runtime, event, fields) }), store, clock }),
    approvals: createApprovals({ store, clock, timeoutInMs: config.toolChecks.approvalTimeoutInSeconds * 1000, record, sleep }),
  };

  const slos = watchSlos({ runtime, send: (alert) => alerts.send(alert), onError: (error) => hooks.onError?.(error) });

  const taskHandle = (ref: TaskRef, parent: Task | undefined, chain: readonly TaskRef[], team: string | undefined): Task => {
    const tools = createTaskTools({ runtime, tasks: chain, ...(team === undefined ? {} : { team }), ...(options.approve === undefined ? {} : { approve: options.approve }) });
    const lineKey = budgetLineKey(scopeKey('task', ref.id), { window: 'total', label: 'all' });
    const state = async () => (await store.snapshot([lineKey]))[0];
    return {
      id: ref.id,
      type: ref.type,
      parent,
      spentInNanoUsd: async () => (await state())?.committedInNanoUsd ?? 0,
      remainingInNanoUsd: async () => {
        const current = await state();
        const limit = current?.limitInNanoUsd ?? ref.limits?.hard;
        if (limit === undefined) return undefined;
        return Math.max(0, limit - (current?.committedInNanoUsd ?? 0) - (current?.reservedInNanoUsd ?? 0));
      },
      checkTool: tools.checkTool,
      guardTool: tools.guardTool,
      exec: tools.exec,
      finish: async (result) => {
        const event = taskFinishEvent({
          taskId: ref.id,
          outcome: parseTaskOutcome(result.outcome, 'task.finish outcome'),
          timeInMs: clock.now(),
          by: 'sdk',
          ...optionalNote(parseTaskOutcomeNote(result.note, 'task.finish note')),
          attribution: { org: config.org, ...(ref.type === undefined ? {} : { taskType: ref.type }), ...(chain.at(-2) === undefined ? {} : { parentTaskId: chain.at(-2)?.id }), ...(team === undefined ? {} : { team }) },
        });
        await store.append([event]);
      },
    };
  };
  const handles = new WeakMap<Task, readonly TaskRef[]>();

  return {
    config,
    runtime,
    async task(taskOptions, body) {
      const context = currentContext();
      const parentChain = taskOptions.parent ? (handles.get(taskOptions.parent) ?? []) : context.tasks;
      const ref: TaskRef = {
        id: taskOptions.id ?? runtime.newId(),
        ...(taskOptions.type === undefined ? {} : { type: taskOptions.type }),
        limits: taskLimits(taskOptions),
        startedAtInMs: clock.now(),
      };
      if (taskOptions.type !== undefined && config.taskTypes[taskOptions.type] === undefined && Object.keys(config.taskTypes).length > 0) {
        throw new WardenError('invalid_request', `Unknown task type "${taskOptions.type}". Use one of ${Object.keys(config.taskTypes).map((name) => `"${name}"`).join(', ')} or add it under taskTypes in the config.`);
      }
      const chain = [...parentChain, ref];
      const parentHandle = taskOptions.parent ?? undefined;
      const handle = taskHandle(ref, parentHandle, chain, context.team);
      handles.set(handle, chain);
      const next: CallContext = {
        ...context,
        tasks: chain,
        ...(taskOptions.user === undefined ? {} : { user: taskOptions.user }),
        tags: { ...context.tags, ...taskOptions.tags },
        checkTool: handle.checkTool,
      };
      return runInContext(next, () => body(handle));
    },
    attribute(attribution, body) {
      const context = currentContext();
      return runInContext({ ...context, ...attribution, tags: { ...context.tags, ...attribution.tags } }, body);
    },
    openai: (client, attribution) => wrapOpenAIClient(runtime, client, attribution),
    anthropic: (client, attribution) => wrapAnthropicClient(runtime, client, attribution),
    alerts,
    slos,
    flush: () => store.flush(),
    close: async () => {
      slos?.stop();
      await store.close();
    },
  };
}

function taskLimits(options: TaskOptions): Partial<LimitsConfig> {
  const limits: Partial<LimitsConfig> = {};
  const { budget } = options;
  if (typeof budget === 'string' || typeof budget === 'number') {
    limits.hard = usdToNano(budget, 'task budget');
  } else if (budget) {
    if (budget.hard !== undefined) limits.hard = usdToNano(budget.hard, 'task budget.hard');
    if (budget.soft !== undefined) limits.soft = usdToNano(budget.soft, 'task budget.soft');
    if (budget.calls !== undefined) limits.calls = budget.calls;
    if (budget.clamp !== undefined) limits.clamp = budget.clamp;
    if (budget.ladder !== undefined) limits.ladder = budget.ladder;
    if (budget.mode !== undefined) limits.mode = budget.mode;
  }
  if (options.maxLlmCalls !== undefined) limits.calls = options.maxLlmCalls;
  return limits;
}

function optionalNote(note: string | undefined): { note?: string } {
  return note === undefined ? {} : { note };
}

function isParsed(config: unknown): config is Readonly<WardenConfig> {
  return typeof config === 'object' && config !== null && Object.isFrozen(config) && 'estimation' in config && 'retry' in config;
}
