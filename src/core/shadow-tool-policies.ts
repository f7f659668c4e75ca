import { decideTool, decideToolOffer, type DecideToolOptions, type ToolDecision } from './decide-tool.js';
import type { EnforcementMode } from './config-fields.js';
import type { ToolPolicy } from './tool-policy-schema.js';

/** A tool decision as enforced, and what shadow policies and rules would have done beyond it. */
export interface ShadowedToolDecision {
  decision: ToolDecision;
  /** A deny or hold that only shadow mode produced; absent when shadow mode changes nothing. */
  shadow?: Exclude<ToolDecision, { kind: 'allow' }>;
}

/** The tool-policy slice of the config: the policies and toolChecks.mode. */
export interface ToolPolicyModes {
  policies: readonly ToolPolicy[];
  /** toolChecks.mode: shadow judges the whole tool policy without enforcing any of it. */
  mode: EnforcementMode;
}

const shadowPartsByPolicies = new WeakMap<readonly ToolPolicy[], boolean>();

/** Whether any part of the tool policy is in shadow mode (computed once per config). */
export function hasShadowToolParts(modes: ToolPolicyModes): boolean {
  if (modes.policies.length === 0) return false;
  if (modes.mode === 'shadow') return true;
  let found = shadowPartsByPolicies.get(modes.policies);
  if (found === undefined) {
    found = modes.policies.some((policy) => policy.mode === 'shadow' || policy.tools.some((rule) => rule.mode === 'shadow'));
    shadowPartsByPolicies.set(modes.policies, found);
  }
  return found;
}

/**
 * Decides a tool call as enforced and, when anything is in shadow mode, as it would be with
 * everything enforced; the second decision is returned only where it is stricter.
 * @example const { decision, shadow } = await decideToolWithShadow({ modes: { policies, mode: 'enforce' }, subject, name: 'shell', args })
 */
export async function decideToolWithShadow(options: Omit<DecideToolOptions, 'policies' | 'includeShadow'> & { modes: ToolPolicyModes }): Promise<ShadowedToolDecision> {
  const { modes, ...rest } = options;
  const decision = await decideTool({ ...rest, policies: enforcedPolicies(modes) });
  if (!hasShadowToolParts(modes)) return { decision };
  const shadow = shadowToolVerdict(decision, await decideTool({ ...rest, policies: modes.policies, includeShadow: true }));
  return shadow === undefined ? { decision } : { decision, shadow };
}

/** The same for a tool a request offers (by name only). */
export function decideToolOfferWithShadow(options: Pick<DecideToolOptions, 'subject' | 'name'> & { modes: ToolPolicyModes }): ShadowedToolDecision {
  const { modes, ...rest } = options;
  const decision = decideToolOffer({ ...rest, policies: enforcedPolicies(modes) });
  if (!hasShadowToolParts(modes)) return { decision };
  const shadow = shadowToolVerdict(decision, decideToolOffer({ ...rest, policies: modes.policies, includeShadow: true }));
  return shadow === undefined ? { decision } : { decision, shadow };
}

function enforcedPolicies(modes: ToolPolicyModes): readonly ToolPolicy[] {
  return modes.mode === 'shadow' ? [] : modes.policies;
}

/**
 * What the shadow parts would have done beyond what enforcement did: a deny where the enforced
 * decision allowed or held the call, a hold for approval where it allowed it; else undefined.
 */
export function shadowToolVerdict(enforced: ToolDecision, candidate: ToolDecision): Exclude<ToolDecision, { kind: 'allow' }> | undefined {
  if (candidate.kind === 'allow' || candidate.kind === enforced.kind) return undefined;
  if (candidate.kind === 'deny') return candidate;
  return enforced.kind === 'allow' ? candidate : undefined;
}
