import { checkUrl } from './check-url.js';
import { checkWorkspacePath, type ResolvePath } from './check-workspace-path.js';
import { matchCommandPattern } from './match-command-pattern.js';
import { tokenizeCommand } from './tokenize-command.js';
import type { ToolRule } from './tool-policy-schema.js';

export interface ToolRuleContext {
  resolvePath?: ResolvePath;
  /** What relative paths are relative to; default the rule's first workspace. */
  workingDirectory?: string;
}

/** Whether one rule admits a call, and if so whether a person must approve it first. */
export type ToolRuleOutcome = { admitted: true; approval?: string; commandPattern?: string } | { admitted: false; reason: string };

/**
 * Checks a call's arguments against one rule's constraints. Every constraint must pass;
 * an argument a constraint names may be absent only if another of its names is present.
 * @example await checkToolRule(rule, { command: 'npm test' }, { resolvePath })
 */
export async function checkToolRule(rule: ToolRule, args: unknown, context: ToolRuleContext): Promise<ToolRuleOutcome> {
  const approvals = rule.requireApproval ? ['every call of this tool needs approval'] : [];
  if (rule.commands === undefined && rule.paths === undefined && rule.urls === undefined) return admitted(approvals);
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return { admitted: false, reason: 'its arguments are not a JSON object' };
  const record = args as Record<string, unknown>;
  let commandPattern: string | undefined;

  if (rule.commands !== undefined) {
    const values = present(record, rule.commands.argument);
    if (values.length === 0) return missing(rule.commands.argument);
    for (const [argument, value] of values) {
      const argv = toArgv(value);
      if (typeof argv === 'string') return { admitted: false, reason: `argument "${argument}": ${argv}` };
      const shown = JSON.stringify(argv.join(' '));
      const matching = rule.commands.allow.filter(({ pattern }) => matchCommandPattern(pattern, argv));
      if (matching.length === 0) {
        const allowed = rule.commands.allow.map(({ pattern }) => `"${pattern}"`).join(', ');
        const climbs = argv.some((word) => word.split(/[/=]/).includes('..')) ? ' (a "*" in a pattern does not match a ".." path segment)' : '';
        return { admitted: false, reason: `command ${shown} matches none of the allowed commands (${allowed})${climbs}; add a pattern under commands.allow to allow it` };
      }
      const gated = matching.find(({ requireApproval }) => requireApproval);
      if (gated !== undefined) approvals.push(`command ${shown} matches "${gated.pattern}", which requires approval`);
      commandPattern = (gated ?? matching[0])?.pattern;
    }
  }

  if (rule.paths !== undefined) {
    const values = present(record, rule.paths.argument);
    if (values.length === 0) return missing(rule.paths.argument);
    const { resolvePath, workingDirectory = rule.paths.workspaces[0] ?? '/' } = context;
    if (resolvePath === undefined) return { admitted: false, reason: 'no path resolver was given, so paths cannot be checked; pass resolvePath' };
    for (const [argument, value] of values) {
      const paths = toStrings(value);
      if (paths === undefined) return { admitted: false, reason: `argument "${argument}" must be a path or a list of paths` };
      for (const path of paths) {
        const check = await checkWorkspacePath({ path, workspaces: rule.paths.workspaces, workingDirectory, resolvePath });
        if (!check.ok) return { admitted: false, reason: check.reason };
      }
    }
  }

  if (rule.urls !== undefined) {
    const values = present(record, rule.urls.argument);
    if (values.length === 0) return missing(rule.urls.argument);
    for (const [argument, value] of values) {
      const urls = toStrings(value);
      if (urls === undefined) return { admitted: false, reason: `argument "${argument}" must be a URL or a list of URLs` };
      for (const url of urls) {
        const check = checkUrl(url, rule.urls.hosts);
        if (!check.ok) return { admitted: false, reason: check.reason };
      }
    }
  }
  return admitted(approvals, commandPattern);
}

function admitted(approvals: readonly string[], commandPattern?: string): ToolRuleOutcome {
  return {
    admitted: true,
    ...(approvals.length > 0 ? { approval: approvals.join('; ') } : {}),
    ...(commandPattern === undefined ? {} : { commandPattern }),
  };
}

function present(record: Record<string, unknown>, names: readonly string[]): Array<[string, unknown]> {
  return names.filter((name) => Object.hasOwn(record, name) && record[name] !== undefined).map((name) => [name, record[name]]);
}

function missing(names: readonly string[]): ToolRuleOutcome {
  return { admitted: false, reason: `the call has no argument ${names.map((name) => `"${name}"`).join(' or ')}, which the rule checks` };
}

/** An argument vector from a shell command string or a list of strings; a string is why not. */
function toArgv(value: unknown): string[] | string {
  if (typeof value === 'string') {
    const tokenized = tokenizeCommand(value);
    if (!tokenized.ok) return `command ${JSON.stringify(value)} was refused: ${tokenized.reason}; send one program and its arguments per call, without shell operators`;
    return tokenized.argv;
  }
  // A list is an argument vector run without a shell, so its words need no shell checks.
  const strings = toStrings(value);
  if (strings === undefined || strings.length === 0) return 'expected a command string or a non-empty list of strings';
  return strings;
}

function toStrings(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) return value;
  return undefined;
}
