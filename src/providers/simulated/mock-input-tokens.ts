import {
  breakpointOf,
  createInputTally,
  isRecord,
  tallyContentPart,
  tallyJson,
  type InputTally,
} from './mock-input-tally.js';
import { countMockTextTokens, messageFramingTokens, replyPrimingTokens } from './mock-tokens.js';

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function tallyContent(tally: InputTally, content: unknown): void {
  if (Array.isArray(content)) {
    for (const part of content) tallyContentPart(tally, part);
  } else {
    tallyContentPart(tally, content);
  }
}

function tallyOpenAiMessage(tally: InputTally, message: unknown): void {
  if (!isRecord(message)) return;
  tally.add(messageFramingTokens, String(message.role));
  tallyContent(tally, message.content);
  if (typeof message.name === 'string') tally.add(countMockTextTokens(message.name), message.name);
  tallyJson(tally, message.tool_calls);
  tallyJson(tally, message.function_call);
}

function tallyTools(tally: InputTally, tools: unknown): void {
  if (Array.isArray(tools) && tools.length > 0) tallyJson(tally, tools);
}

/**
 * Input of a Chat Completions request: 3 + per message (4 + ceil(chars / 4) of its text) + tools
 * JSON / 4. Boundaries after each message feed the automatic prefix cache.
 */
export function tallyOpenAiChatInput(body: Record<string, unknown>, hashing: boolean): InputTally {
  const tally = createInputTally({ hashing, seed: String(body.model) });
  tally.add(replyPrimingTokens, '');
  tallyTools(tally, body.tools);
  for (const message of asArray(body.messages)) {
    tallyOpenAiMessage(tally, message);
    tally.mark();
  }
  return tally;
}

/** Input of a Responses request, counted like chat: `instructions` and each input item are messages. */
export function tallyOpenAiResponsesInput(body: Record<string, unknown>, hashing: boolean): InputTally {
  const tally = createInputTally({ hashing, seed: String(body.model) });
  tally.add(replyPrimingTokens, '');
  tallyTools(tally, body.tools);
  if (typeof body.instructions === 'string') {
    tallyOpenAiMessage(tally, { role: 'developer', content: body.instructions });
    tally.mark();
  }
  if (typeof body.input === 'string') {
    tallyOpenAiMessage(tally, { role: 'user', content: body.input });
    tally.mark();
    return tally;
  }
  for (const item of asArray(body.input)) {
    if (isRecord(item) && 'content' in item) {
      tallyOpenAiMessage(tally, item);
    } else {
      tally.add(messageFramingTokens, 'item');
      tallyJson(tally, item);
    }
    tally.mark();
  }
  return tally;
}

function tallyAnthropicBlocks(tally: InputTally, content: unknown): void {
  if (!Array.isArray(content)) {
    tallyContentPart(tally, content);
    tally.mark();
    return;
  }
  for (const block of content) {
    tallyContentPart(tally, block);
    tally.mark(breakpointOf(block));
  }
}

/**
 * Input of an Anthropic Messages request in cache order (tools, system, messages), with a
 * boundary after every block; blocks with `cache_control` are breakpoints.
 */
export function tallyAnthropicInput(body: Record<string, unknown>, hashing: boolean): InputTally {
  const tally = createInputTally({ hashing, seed: String(body.model) });
  tally.add(replyPrimingTokens, '');
  for (const tool of asArray(body.tools)) {
    tallyJson(tally, tool);
    tally.mark(breakpointOf(tool));
  }
  if (body.system !== undefined) {
    tally.add(messageFramingTokens, 'system');
    tallyAnthropicBlocks(tally, body.system);
  }
  for (const message of asArray(body.messages)) {
    if (!isRecord(message)) continue;
    tally.add(messageFramingTokens, String(message.role));
    tallyAnthropicBlocks(tally, message.content);
  }
  return tally;
}

/** Input of an embeddings request: ceil(chars / 4) per string, one token per pre-tokenised id. */
export function countEmbeddingInputTokens(input: unknown): number {
  if (typeof input === 'string') return countMockTextTokens(input);
  if (!Array.isArray(input)) return 0;
  let tokens = 0;
  for (const item of input) {
    if (typeof item === 'string') tokens += countMockTextTokens(item);
    else if (typeof item === 'number') tokens += 1;
    else if (Array.isArray(item)) tokens += item.length;
  }
  return tokens;
}

/** The texts of an embeddings request, one per vector to return (token arrays become their JSON). */
export function embeddingInputs(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return [];
  if (input.every((item) => typeof item === 'number')) return [JSON.stringify(input)];
  return input.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
}
