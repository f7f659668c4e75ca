import type { WardenConfig } from '../core/config-schema.js';
import { routeCall } from '../core/route-call.js';
import { totalInputTokens } from '../core/usage.js';
import { WardenError } from '../core/warden-error.js';
import type { ReplayCall } from './replay-call.js';

/** Where the candidate's routing sends a recorded call, before any budget downgrade. */
export interface ReplayRoute {
  model: string;
  /** Why the live model was kept rather than routed again. */
  kept?: 'fallback' | 'not-evaluable' | 'unroutable';
}

type RoutingSlice = Pick<WardenConfig, 'tiers' | 'routing' | 'fallbacks'>;

const notEvaluableByConfig = new WeakMap<RoutingSlice, boolean>();

/**
 * Routes a recorded call under the candidate's tiers and routing rules, from what the ledger
 * knows: the model or tier the client asked for, the x-warden-tier header, the task type and the
 * input tokens. Rules on headers, keywords or regex need the request itself, which the ledger
 * does not hold: `auto` calls keep their live model when the candidate has such rules. A call
 * that fell back after an upstream failure keeps its fallback model.
 */
export function replayRoute(config: RoutingSlice, call: ReplayCall): ReplayRoute {
  if (call.fellBack) return { model: call.sentModel, kept: 'fallback' };
  if (call.clientModel === 'auto' && !call.tierFromHeader && hasUnevaluableRules(config)) return { model: call.sentModel, kept: 'not-evaluable' };
  // A tier the live config had and the candidate does not: routeCall would take its name for a model.
  if (call.routed && !call.tierFromHeader && call.clientModel !== 'auto' && !Object.hasOwn(config.tiers, call.clientModel)) return { model: call.sentModel, kept: 'unroutable' };
  try {
    const plan = routeCall({
      config,
      facts: {
        requestedModel: call.clientModel,
        ...(call.tierFromHeader && call.tier !== undefined ? { tierHeader: call.tier } : {}),
        headers: {},
        ...(call.taskType === undefined ? {} : { taskType: call.taskType }),
        inputTokens: call.usage === undefined ? 0 : totalInputTokens(call.usage),
        lastUserText: '',
      },
    });
    const model = plan.candidates[0];
    return model === undefined ? { model: call.sentModel, kept: 'unroutable' } : { model };
  } catch (error) {
    // A tier the candidate no longer has, or `auto` without a default tier: the live choice stands.
    if (error instanceof WardenError) return { model: call.sentModel, kept: 'unroutable' };
    throw error;
  }
}

function hasUnevaluableRules(config: RoutingSlice): boolean {
  let found = notEvaluableByConfig.get(config);
  if (found === undefined) {
    found = config.routing.rules.some((rule) => rule.when.headers !== undefined || rule.when.keywords !== undefined || rule.when.regex !== undefined);
    notEvaluableByConfig.set(config, found);
  }
  return found;
}
