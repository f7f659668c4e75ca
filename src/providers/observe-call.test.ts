import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../../test/fixture-streams.js';
import { observedToolCalls } from './observe-call.js';

describe('observedToolCalls on recorded answers', () => {
  it('reads Anthropic tool_use blocks, after a thinking block', () => {
    expect(observedToolCalls('anthropic-messages', readFixtureJson('anthropic-messages/issue-13430-thinking-tool-call.json')).map((call) => call.name)).toEqual(['checkSandboxErrors']);
    expect(observedToolCalls('anthropic-messages', readFixtureJson('anthropic-messages/anthropic-text.json'))).toEqual([]);
  });

  it('reads Responses API function_call items, after a reasoning item', () => {
    expect(observedToolCalls('openai-responses', readFixtureJson('openai-responses/issue-7082-o3-optional-tool-parameters.json'))).toEqual([
      { name: 'semantic_scholar_search', argumentsJson: '{"query":"machine learning","limit":10,"offset":0,"year":0}' },
    ]);
    expect(observedToolCalls('openai-responses', readFixtureJson('openai-responses/issue-20047-openai-responses.json'))).toEqual([]);
  });
});
