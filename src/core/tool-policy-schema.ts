import { z } from 'zod';
import { enforcementMode } from './config-fields.js';
import { commandPatternProblem } from './match-command-pattern.js';
import { resolveLexicalPath } from './resolve-lexical-path.js';

const commandPatternText = z.string().superRefine((pattern, context) => {
  const problem = commandPatternProblem(pattern);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: `${problem}; write it like "git status|diff|log ..." or "npm test"` });
});

/**
 * A command the rule admits: `"npm test"`, or `{ pattern: "git push ...", requireApproval: true }`.
 * Words match arguments one to one: `a|b` either word, `*` inside a word any characters,
 * `...` last any further arguments.
 */
export const commandPatternSchema = z
  .union([commandPatternText, z.strictObject({ pattern: commandPatternText, requireApproval: z.boolean().default(false) })], {
    error: 'expected a command pattern like "npm test" or { pattern: "git push ...", requireApproval: true }',
  })
  .transform((value) => (typeof value === 'string' ? { pattern: value.trim(), requireApproval: false } : { ...value, pattern: value.pattern.trim() }));

/** One argument name or several; every one present must pass. */
const argumentNames = (fallback: string) =>
  z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'expected an argument name like "path", or a list of them' })
    .transform((value) => (typeof value === 'string' ? [value] : value))
    .default([fallback]);

const workspace = z
  .string()
  .refine((value) => value.startsWith('/'), { error: (issue) => `expected an absolute directory like "/work/repo", got ${JSON.stringify(issue.input)}` })
  .transform((value) => resolveLexicalPath('/', value));

const hostPattern = z
  .string()
  .regex(/^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$|^\[[0-9a-f:.]+\]$/i, {
    error: (issue) => `expected a host like "api.github.com" or "*.example.com" (no scheme, port or path), got ${JSON.stringify(issue.input)}`,
  })
  .transform((value) => value.toLowerCase());

/**
 * What one tool may do. A rule with no constraint admits the tool with any arguments. A rule in
 * `mode: shadow` admits the tool by name while its constraints and approvals are only judged:
 * what they would have denied or held is recorded, not enforced.
 */
export const toolRuleSchema = z.strictObject({
  /** The tool's name, exactly, or a glob where `*` is any characters: `fs.*`, `*`. */
  name: z.string().min(1, { error: 'a tool rule needs the tool name (or a glob like "fs.*")' }),
  /** Every call of this tool waits for a person's approval. */
  requireApproval: z.boolean().default(false),
  /** The argument holds a shell command (a string) or an argument vector (a list of strings). */
  commands: z
    .strictObject({
      argument: argumentNames('command'),
      allow: z.array(commandPatternSchema).min(1, { error: 'list the commands to allow, like "npm test"' }),
    })
    .optional(),
  /** The argument holds a file path that must stay inside a workspace, symbolic links followed. */
  paths: z
    .strictObject({
      argument: argumentNames('path'),
      workspaces: z.array(workspace).min(1, { error: 'list the workspace directories paths must stay in' }),
    })
    .optional(),
  /** The argument holds an http(s) URL whose host must be listed. */
  urls: z
    .strictObject({
      argument: argumentNames('url'),
      hosts: z.array(hostPattern).min(1, { error: 'list the hosts URLs may go to, like "api.github.com" or "*.example.com"' }),
    })
    .optional(),
  mode: enforcementMode.optional(),
}).refine((rule) => rule.mode !== 'shadow' || rule.requireApproval || rule.commands !== undefined || rule.paths !== undefined || rule.urls !== undefined, {
  error: 'a shadow rule needs something to judge: commands, paths, urls or requireApproval (a rule that only names the tool admits it either way)',
  path: ['mode'],
});

/**
 * Tool rules for the callers `appliesTo` names: every field given must match (an empty
 * `appliesTo` is everyone). Once any policy is configured, a tool no applicable rule admits
 * is denied; with no policies at all the tool policy is off.
 * @example
 * { name: 'coding-agent', appliesTo: { taskType: 'coding' }, tools: [
 *   { name: 'shell', commands: { allow: ['git status|diff|log|add|commit ...', 'npm test',
 *     { pattern: 'git push ...', requireApproval: true }] } },
 *   { name: 'read_file', paths: { workspaces: ['/work/repo'] } },
 *   { name: 'fetch', urls: { hosts: ['registry.npmjs.org', '*.github.com'] } } ] }
 */
export const toolPolicySchema = z.strictObject({
  /** Shown in denials, so an operator knows which policy to edit. */
  name: z.string().min(1).optional(),
  appliesTo: z
    .strictObject({
      team: z.string().min(1).optional(),
      /** The virtual key's id. */
      key: z.string().min(1).optional(),
      taskType: z.string().min(1).optional(),
    })
    .default({}),
  /** Empty: these callers may use no tool at all. */
  tools: z.array(toolRuleSchema).default([]),
  /** shadow: the policy is judged on live calls and its denials are recorded, but the tools are not refused or stripped. */
  mode: enforcementMode.optional(),
});

/** The `toolPolicies` list; empty turns the tool policy off. */
export const toolPoliciesSchema = z.array(toolPolicySchema).default([]);

export type CommandPattern = z.output<typeof commandPatternSchema>;
export type ToolRule = z.output<typeof toolRuleSchema>;
export type ToolPolicy = z.output<typeof toolPolicySchema>;
export type ToolPolicyInput = z.input<typeof toolPolicySchema>;
