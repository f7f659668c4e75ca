import { describe, expect, it } from 'vitest';
import { decideTool } from './decide-tool.js';
import { parseConfig } from './parse-config.js';
import { decideToolOfferWithShadow, decideToolWithShadow, shadowToolVerdict } from './shadow-tool-policies.js';

const policiesOf = (toolPolicies: unknown) => parseConfig({ toolPolicies }).toolPolicies;

describe('tool policies in shadow mode', () => {
  it('admits a shadow rule by name and reports what its constraints would have denied', async () => {
    const policies = policiesOf([{ tools: [{ name: 'shell', mode: 'shadow', commands: { allow: ['npm test'] } }, { name: 'read_file' }] }]);
    const modes = { policies, mode: 'enforce' as const };
    const ok = await decideToolWithShadow({ modes, subject: {}, name: 'shell', args: { command: 'npm test' } });
    expect(ok).toEqual({ decision: { kind: 'allow', rule: expect.objectContaining({ path: 'toolPolicies[0].tools[0]' }) } });
    const wouldDeny = await decideToolWithShadow({ modes, subject: {}, name: 'shell', args: { command: 'rm -rf /' } });
    expect(wouldDeny.decision.kind).toBe('allow');
    expect(wouldDeny.shadow).toMatchObject({ kind: 'deny', rule: { path: 'toolPolicies[0].tools[0]' } });
    // Enforced parts stay enforced: a tool no rule names is denied, and that is no shadow decision.
    const denied = await decideToolWithShadow({ modes, subject: {}, name: 'delete_database', args: {} });
    expect(denied).toEqual({ decision: expect.objectContaining({ kind: 'deny' }) });
  });

  it('leaves a shadow policy out of enforcement, keeping config positions in what it names', async () => {
    const policies = policiesOf([
      { appliesTo: { team: 'a' }, tools: [{ name: 'shell' }] },
      { name: 'b-rollout', appliesTo: { team: 'b' }, mode: 'shadow', tools: [{ name: 'read_file' }] },
    ]);
    const modes = { policies, mode: 'enforce' as const };
    // Without the shadow policy nothing applies to team b, so enforcement denies by default, as before it was added.
    expect((await decideToolWithShadow({ modes, subject: { team: 'b' }, name: 'read_file', args: {} })).decision.kind).toBe('deny');
    const shell = decideToolOfferWithShadow({ modes, subject: { team: 'b' }, name: 'shell' });
    expect(shell.decision.kind).toBe('deny');
    // Stricter only where enforcement allowed: here both deny, so no shadow decision.
    expect(shell.shadow).toBeUndefined();
    const candidate = await decideTool({ policies, includeShadow: true, subject: { team: 'b' }, name: 'shell', args: {} });
    expect(candidate).toMatchObject({ kind: 'deny', reason: expect.stringContaining('toolPolicies[1] ("b-rollout")') });
  });

  it('with toolChecks.mode shadow enforces nothing and judges everything', async () => {
    const policies = policiesOf([{ tools: [{ name: 'read_file' }, { name: 'shell', requireApproval: true }] }]);
    const modes = { policies, mode: 'shadow' as const };
    expect(decideToolOfferWithShadow({ modes, subject: {}, name: 'delete_database' })).toMatchObject({ decision: { kind: 'allow' }, shadow: { kind: 'deny' } });
    expect(await decideToolWithShadow({ modes, subject: {}, name: 'shell', args: {} })).toMatchObject({ decision: { kind: 'allow' }, shadow: { kind: 'approval-required' } });
    expect(await decideToolWithShadow({ modes, subject: {}, name: 'read_file', args: {} })).toEqual({ decision: { kind: 'allow' } });
  });

  it('reports only decisions stricter than the enforced one', () => {
    const deny = { kind: 'deny' as const, reason: 'no' };
    const hold = { kind: 'approval-required' as const, reason: 'ask', rule: { path: 'toolPolicies[0].tools[0]', tool: 'shell' } };
    expect(shadowToolVerdict({ kind: 'allow' }, deny)).toBe(deny);
    expect(shadowToolVerdict({ kind: 'allow' }, hold)).toBe(hold);
    expect(shadowToolVerdict(hold, deny)).toBe(deny);
    expect(shadowToolVerdict(deny, hold)).toBeUndefined();
    expect(shadowToolVerdict(deny, deny)).toBeUndefined();
    expect(shadowToolVerdict(hold, { kind: 'allow' })).toBeUndefined();
  });

  it('refuses a shadow rule with nothing to judge, and a mode it does not know, saying why', () => {
    expect(() => policiesOf([{ tools: [{ name: 'shell', mode: 'shadow' }] }])).toThrow(/toolPolicies\[0\]\.tools\[0\]\.mode: a shadow rule needs something to judge/);
    expect(() => parseConfig({ toolChecks: { mode: 'audit' } })).toThrow(/toolChecks\.mode: expected enforce or shadow/);
    expect(() => parseConfig({ loopDetection: { mode: 'off' } })).toThrow(/loopDetection\.mode: expected enforce or shadow/);
  });
});
