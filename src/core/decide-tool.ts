import { checkToolRule, type ToolRuleOutcome } from './check-tool-rule.js';
import type { ResolvePath } from './check-workspace-path.js';
import { matchGlob } from './match-glob.js';
import type { ToolPolicy, ToolRule } from './tool-policy-schema.js';

/** Who is calling the tool, as the policies' `appliesTo` sees it. */
export interface ToolSubject {
  team?: string;
  /** The virtual key's id. */
  key?: string;
  taskType?: string;
}

/** Which configured rule decided, for the ledger and for the operator who edits it. */
export interface ToolRuleReference {
  /** Where the rule is in the config: `toolPolicies[0].tools[2]`. */
  path: string;
  policy?: string;
  /** The rule's tool name or glob. */
  tool: string;
  /** The command pattern that matched, for command rules. */
  commandPattern?: string;
}

/** Allow (no rule when the tool policy is off), deny, or hold for a person's approval. */
export type ToolDecision =
  | { kind: 'allow'; rule?: ToolRuleReference }
  | { kind: 'deny'; reason: string; rule?: ToolRuleReference }
  | { kind: 'approval-required'; reason: string; rule: ToolRuleReference };

export interface DecideToolOptions {
  policies: readonly ToolPolicy[];
  subject: ToolSubject;
  /** The tool's name as the model called it. */
  name: string;
  /** The parsed arguments (normally a JSON object). */
  args: unknown;
  /** Needed by rules with `paths`; without it such rules deny. */
  resolvePath?: ResolvePath;
  /** What relative paths are relative to; default each rule's first workspace. */
  workingDirectory?: string;
  /**
   * Judge shadow policies and rules as if enforced. By default they are left out (shadow
   * policies apply to no one; shadow rules admit their tool by name only), so a caller that does
   * not know about shadow mode enforces exactly what is in force.
   */
  includeShadow?: boolean;
}

/**
 * Decides a tool call under the policies, default deny. No policies at all: allow (the tool
 * policy is off). Otherwise a call is allowed when some applicable rule names the tool and
 * admits its arguments; if any admitting rule or command pattern requires approval, the
 * stricter answer wins and the call needs approval.
 * @example await decideTool({ policies: config.toolPolicies, subject: { team: 'platform' }, name: 'shell', args: { command: 'npm test' }, resolvePath })
 */
export async function decideTool(options: DecideToolOptions): Promise<ToolDecision> {
  const { name, args, resolvePath, workingDirectory } = options;
  const candidates = candidateRules(options);
  if (!Array.isArray(candidates)) return candidates;

  const outcomes = await Promise.all(
    candidates.map(async ({ rule, reference }) => ({ reference, outcome: await checkToolRule(rule, args, { ...(resolvePath === undefined ? {} : { resolvePath }), ...(workingDirectory === undefined ? {} : { workingDirectory }) }) })),
  );
  const admitted = outcomes.filter((entry): entry is { reference: ToolRuleReference; outcome: Extract<ToolRuleOutcome, { admitted: true }> } => entry.outcome.admitted);
  const withPattern = ({ reference, outcome }: (typeof admitted)[number]): ToolRuleReference =>
    outcome.commandPattern === undefined ? reference : { ...reference, commandPattern: outcome.commandPattern };

  const gated = admitted.find(({ outcome }) => outcome.approval !== undefined);
  if (gated !== undefined) return { kind: 'approval-required', reason: `tool "${name}" needs approval: ${gated.outcome.approval ?? ''} (${describeRule(gated.reference)})`, rule: withPattern(gated) };
  const first = admitted[0];
  if (first !== undefined) return { kind: 'allow', rule: withPattern(first) };

  const reasons = outcomes.map(({ reference, outcome }) => (outcome.admitted ? '' : `${outcome.reason} (${describeRule(reference)})`));
  return { kind: 'deny', reason: `tool "${name}" is not allowed with these arguments: ${[...new Set(reasons)].join('; ')}`, rule: outcomes[0]?.reference };
}

/**
 * Decides whether a tool may be offered to the model (the `tools` of a request), before any
 * arguments exist: allowed when some applicable rule names it. Arguments are checked per call.
 * @example decideToolOffer({ policies: config.toolPolicies, subject: { key: 'key_1' }, name: 'shell' })
 */
export function decideToolOffer(options: Pick<DecideToolOptions, 'policies' | 'subject' | 'name' | 'includeShadow'>): ToolDecision {
  const candidates = candidateRules(options);
  if (!Array.isArray(candidates)) return candidates;
  const first = candidates[0];
  return first === undefined ? { kind: 'deny', reason: `tool "${options.name}" has no rule` } : { kind: 'allow', rule: first.reference };
}

interface CandidateRule {
  rule: ToolRule;
  reference: ToolRuleReference;
}

/** The rules that name the tool for this subject, or the decision when there are none. */
function candidateRules(options: Pick<DecideToolOptions, 'policies' | 'subject' | 'name' | 'includeShadow'>): CandidateRule[] | ToolDecision {
  const { policies, subject, name } = options;
  const shadow = options.includeShadow === true;
  // Positions stay those of the config, so a denial names the rule an operator edits.
  const inForce = policies.map((policy, index) => ({ policy, index })).filter(({ policy }) => shadow || policy.mode !== 'shadow');
  if (inForce.length === 0) return { kind: 'allow' };
  const applicable = inForce.filter(({ policy }) => applies(policy, subject));
  if (applicable.length === 0) {
    return {
      kind: 'deny',
      reason: `no tool policy applies to ${describeSubject(subject)}, and with tool policies configured every tool is denied by default; add a policy to toolPolicies whose appliesTo matches (an empty appliesTo matches everyone)`,
    };
  }
  const candidates = applicable.flatMap(({ policy, index }) =>
    policy.tools.flatMap((rule, position) => {
      if (!matchGlob(rule.name, name)) return [];
      const reference: ToolRuleReference = { path: `toolPolicies[${index}].tools[${position}]`, tool: rule.name, ...(policy.name === undefined ? {} : { policy: policy.name }) };
      return [{ rule: shadow || rule.mode !== 'shadow' ? rule : { name: rule.name, requireApproval: false }, reference }];
    }),
  );
  if (candidates.length === 0) {
    const where = applicable.map(({ policy, index }) => (policy.name === undefined ? `toolPolicies[${index}]` : `toolPolicies[${index}] ("${policy.name}")`)).join(', ');
    return {
      kind: 'deny',
      reason: `tool "${name}" is not allowed for ${describeSubject(subject)}: no rule in ${where} names it; add { name: "${name}" } to the tools of one of them to allow it`,
    };
  }
  return candidates;
}

function applies(policy: ToolPolicy, subject: ToolSubject): boolean {
  const { team, key, taskType } = policy.appliesTo;
  return (team === undefined || team === subject.team) && (key === undefined || key === subject.key) && (taskType === undefined || taskType === subject.taskType);
}

function describeSubject(subject: ToolSubject): string {
  const parts = [
    subject.team === undefined ? undefined : `team "${subject.team}"`,
    subject.key === undefined ? undefined : `key "${subject.key}"`,
    subject.taskType === undefined ? undefined : `task type "${subject.taskType}"`,
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? 'a caller with no team, key or task type' : parts.join(', ');
}

function describeRule(reference: ToolRuleReference): string {
  return reference.policy === undefined ? reference.path : `${reference.path} in policy "${reference.policy}"`;
}
