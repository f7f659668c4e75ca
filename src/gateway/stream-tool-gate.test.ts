import { describe, expect, it } from 'vitest';
import type { ObservedToolCall } from '../core/loop-observation.js';
import { noToolCallProgress, type StreamedToolCall } from '../core/tool-call-hold.js';
import { WardenError } from '../core/warden-error.js';
import { createStreamToolGate } from './stream-tool-gate.js';

const call = (key: string, name = 'shell'): StreamedToolCall => ({ key, name, argumentsJson: '{}' });

/** A gate whose decisions the test gives by hand, in any order. */
function manualGate() {
  const pending: Array<{ call: ObservedToolCall; answer: (refusal: WardenError | undefined) => void }> = [];
  const written: string[] = [];
  const outcome: { refused?: WardenError; failed?: unknown } = {};
  const gate = createStreamToolGate({
    decide: (decided) => new Promise((resolve) => pending.push({ call: decided, answer: resolve })),
    write: (text) => written.push(text),
    refuse: (error) => (outcome.refused = error),
    fail: (error) => (outcome.failed = error),
  });
  const settle = async () => new Promise((resolve) => setImmediate(resolve));
  return { gate, pending, written, outcome, settle };
}

describe('createStreamToolGate', () => {
  it('passes text at once, holds a call and what follows until it is allowed, then writes them in order', async () => {
    const { gate, pending, written, settle } = manualGate();
    expect(gate.push('text,', noToolCallProgress)).toBe('text,');
    expect(gate.push('call,', { touches: ['a'], completes: [] })).toBe('');
    expect(gate.push('stop,', { touches: ['a'], completes: [call('a')] })).toBe('');
    expect(gate.push('after,', noToolCallProgress)).toBe('');
    await settle();
    expect(pending.map((entry) => entry.call)).toEqual([{ name: 'shell', argumentsJson: '{}' }]);
    pending[0]?.answer(undefined);
    await settle();
    expect(written.join('')).toBe('call,stop,after,');
    expect(gate.push('more', noToolCallProgress)).toBe('more');
  });

  it('writes nothing more once a call is refused, and waits for the decisions still open at the end', async () => {
    const { gate, pending, written, outcome, settle } = manualGate();
    gate.push('a', { touches: ['a'], completes: [] });
    const ended = gate.end([call('a')]);
    await settle();
    const refusal = new WardenError('tool_not_allowed', 'no');
    pending[0]?.answer(refusal);
    await ended;
    expect(outcome.refused).toBe(refusal);
    expect(written).toEqual([]);
    expect(gate.push('late', noToolCallProgress)).toBe('');
  });

  it('reports a decision that throws, and decides nothing after it', async () => {
    const written: string[] = [];
    let failed: unknown;
    let asked = 0;
    const gate = createStreamToolGate({
      decide: async () => {
        asked += 1;
        throw new Error('store down');
      },
      write: (text) => written.push(text),
      refuse: () => undefined,
      fail: (error) => (failed = error),
    });
    gate.push('a', { touches: ['a'], completes: [] });
    gate.push('b', { touches: ['b'], completes: [call('a')] });
    await gate.end([call('b')]);
    expect((failed as Error).message).toBe('store down');
    expect(asked).toBe(1);
    expect(written).toEqual([]);
  });
});
