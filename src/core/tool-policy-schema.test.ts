import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guardrailsConfigShape } from './guardrails-config-schema.js';
import { toolPoliciesSchema } from './tool-policy-schema.js';

const issues = (input: unknown) => toolPoliciesSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('toolPoliciesSchema', () => {
  it('fills defaults and normalises shorthands', () => {
    expect(
      toolPoliciesSchema.parse([
        {
          tools: [
            { name: 'shell', commands: { allow: [' npm test ', { pattern: 'git push ...', requireApproval: true }] } },
            { name: 'fs.*', paths: { argument: ['source', 'destination'], workspaces: ['/work/repo/./src/../'] } },
            { name: 'fetch', urls: { hosts: ['API.GitHub.com'] } },
          ],
        },
      ]),
    ).toEqual([
      {
        appliesTo: {},
        tools: [
          {
            name: 'shell',
            requireApproval: false,
            commands: { argument: ['command'], allow: [{ pattern: 'npm test', requireApproval: false }, { pattern: 'git push ...', requireApproval: true }] },
          },
          { name: 'fs.*', requireApproval: false, paths: { argument: ['source', 'destination'], workspaces: ['/work/repo'] } },
          { name: 'fetch', requireApproval: false, urls: { argument: ['url'], hosts: ['api.github.com'] } },
        ],
      },
    ]);
    expect(toolPoliciesSchema.parse(undefined)).toEqual([]);
  });

  it('names the path and the fix for each mistake', () => {
    expect(
      issues([
        {
          appliesTo: { tema: 'research' },
          tools: [
            { name: 'shell', commands: { allow: ['... git', 'git ... status', 'git status||diff', ''] } },
            { name: 'fs.read', paths: { workspaces: ['work/repo'] } },
            { name: 'fetch', urls: { hosts: ['https://api.github.com', 'api.github.com/repos', '*.example.com'] } },
            { name: '' },
          ],
        },
      ]),
    ).toEqual([
      '0.appliesTo: Unrecognized key: "tema"',
      '0.tools.0.commands.allow.0: a command pattern starts with the program, not "..."; write it like "git status|diff|log ..." or "npm test"',
      '0.tools.0.commands.allow.1: "..." may only be the last word of a command pattern; write it like "git status|diff|log ..." or "npm test"',
      '0.tools.0.commands.allow.2: a command pattern has an empty alternative ("a||b" or a leading or trailing "|"); write it like "git status|diff|log ..." or "npm test"',
      '0.tools.0.commands.allow.3: a command pattern cannot be empty; write it like "git status|diff|log ..." or "npm test"',
      '0.tools.1.paths.workspaces.0: expected an absolute directory like "/work/repo", got "work/repo"',
      '0.tools.2.urls.hosts.0: expected a host like "api.github.com" or "*.example.com" (no scheme, port or path), got "https://api.github.com"',
      '0.tools.2.urls.hosts.1: expected a host like "api.github.com" or "*.example.com" (no scheme, port or path), got "api.github.com/repos"',
      '0.tools.3.name: a tool rule needs the tool name (or a glob like "fs.*")',
    ]);
  });
});

describe('guardrailsConfigShape', () => {
  it('is off unless configured, so existing configs parse unchanged', () => {
    const schema = z.strictObject({ ...guardrailsConfigShape });
    expect(schema.parse({})).toEqual({ toolPolicies: [] });
    expect(schema.parse({ loopDetection: {} }).loopDetection).toMatchObject({ window: 20, repeatThreshold: 5, action: 'refuse' });
  });
});
