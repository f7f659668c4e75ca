import { describe, expect, it } from 'vitest';
import { createToolCallHold, noToolCallProgress, type StreamedToolCall } from './tool-call-hold.js';

const call = (key: string): StreamedToolCall => ({ key, name: 'shell', argumentsJson: '{}' });

describe('createToolCallHold', () => {
  it('lets items without tool calls through at once while nothing is held', () => {
    const hold = createToolCallHold<string>();
    expect(hold.push('text 1', noToolCallProgress)).toEqual({ release: ['text 1'], decide: [] });
    expect(hold.push('text 2', noToolCallProgress).release).toEqual(['text 2']);
    expect(hold.holding).toBe(false);
  });

  it('holds a call and everything behind it until the call is allowed, then frees them in order', () => {
    const hold = createToolCallHold<string>();
    expect(hold.push('open a', { touches: ['a'], completes: [] }).release).toEqual([]);
    expect(hold.push('ping', noToolCallProgress).release).toEqual([]);
    expect(hold.push('args a', { touches: ['a'], completes: [] }).release).toEqual([]);
    expect(hold.push('finish', { touches: [], completes: [call('a')] }).decide).toEqual([call('a')]);
    expect(hold.holding).toBe(true);
    expect(hold.allow('a')).toEqual(['open a', 'ping', 'args a', 'finish']);
    expect(hold.holding).toBe(false);
    expect(hold.push('after', noToolCallProgress).release).toEqual(['after']);
  });

  it('frees the first call of two once it is allowed, and holds the second', () => {
    const hold = createToolCallHold<string>();
    hold.push('a', { touches: ['a'], completes: [] });
    expect(hold.push('b', { touches: ['b'], completes: [call('a')] }).decide).toEqual([call('a')]);
    expect(hold.allow('a')).toEqual(['a']);
    expect(hold.push('stop', { touches: [], completes: [call('b')] }).release).toEqual([]);
    // A decision that never comes (a refusal) keeps the rest back for good.
    expect(hold.holding).toBe(true);
  });

  it('keeps order when a later call is allowed before an earlier one', () => {
    const hold = createToolCallHold<string>();
    hold.push('a', { touches: ['a'], completes: [] });
    hold.push('b', { touches: ['b'], completes: [call('a')] });
    hold.push('end', { touches: [], completes: [call('b')] });
    expect(hold.allow('b')).toEqual([]);
    expect(hold.allow('a')).toEqual(['a', 'b', 'end']);
  });
});
