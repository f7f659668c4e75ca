import { tokenCounterFor, type TokenCounter } from './token-counter.js';

/** The API a request body is written for. */
export type Dialect = 'openai-chat' | 'openai-responses' | 'openai-embeddings' | 'anthropic-messages';

export interface InputTokenEstimate {
  /** Upper bound on input tokens, framing included. */
  tokens: number;
  /** True when the model's own tokenizer counted the text. */
  exact: boolean;
  images: number;
  /** The request marks content for the provider's prompt cache (priced above plain input). */
  writesCache: boolean;
}

export interface EstimateInputOptions {
  dialect: Dialect;
  body: Record<string, unknown>;
  model: string;
  tokensPerImage: number;
  counter?: TokenCounter;
}

// Per-message framing of the chat format (role and separators), from OpenAI's counting guide.
const chatTokensPerMessage = 3;
const chatReplyPriming = 3;
const toolDefinitionOverhead = 12;
// Anthropic adds a tool-use system prompt of a few hundred tokens whenever tools are present.
const anthropicToolSystemPrompt = 600;
const anthropicTokensPerMessage = 8;
const imageTypes = new Set(['image_url', 'input_image', 'image']);
const textTypes = new Set(['text', 'input_text', 'output_text']);

/**
 * Upper-bound input tokens for a request, before it is sent: exact text counts where the model
 * has a public tokenizer (plus framing), the UTF-8 byte bound otherwise; images at a fixed bound.
 */
export function estimateInputTokens(options: EstimateInputOptions): InputTokenEstimate {
  const counter = options.counter ?? tokenCounterFor(options.model);
  const tally = { tokens: 0, images: 0, writesCache: false };
  const countValue = (value: unknown): void => countContent(value, counter, tally);
  const { body } = options;

  switch (options.dialect) {
    case 'openai-chat':
      for (const message of arrayOf(body.messages)) {
        tally.tokens += chatTokensPerMessage;
        if (isRecord(message)) {
          countValue(message.content);
          if (typeof message.name === 'string') tally.tokens += counter.count(message.name) + 1;
          if (message.tool_calls !== undefined) tally.tokens += counter.count(JSON.stringify(message.tool_calls));
          if (message.function_call !== undefined) tally.tokens += counter.count(JSON.stringify(message.function_call));
        }
      }
      tally.tokens += chatReplyPriming;
      countDefinitions(body.tools ?? body.functions, counter, tally);
      if (body.response_format !== undefined) tally.tokens += counter.count(JSON.stringify(body.response_format));
      break;
    case 'openai-responses':
      if (typeof body.instructions === 'string') tally.tokens += counter.count(body.instructions) + chatTokensPerMessage;
      if (typeof body.input === 'string') tally.tokens += counter.count(body.input) + chatTokensPerMessage;
      for (const item of arrayOf(body.input)) {
        tally.tokens += chatTokensPerMessage;
        if (isRecord(item) && 'content' in item) countValue(item.content);
        else countValue(item);
      }
      tally.tokens += chatReplyPriming;
      countDefinitions(body.tools, counter, tally);
      if (body.text !== undefined) tally.tokens += counter.count(JSON.stringify(body.text));
      break;
    case 'openai-embeddings':
      countEmbeddingInput(body.input, counter, tally);
      break;
    case 'anthropic-messages':
      countValue(body.system);
      for (const message of arrayOf(body.messages)) {
        tally.tokens += anthropicTokensPerMessage;
        if (isRecord(message)) countValue(message.content);
      }
      if (arrayOf(body.tools).length > 0) tally.tokens += anthropicToolSystemPrompt;
      countDefinitions(body.tools, counter, tally);
      if (body.cache_control !== undefined) tally.writesCache = true;
      break;
  }
  return { tokens: tally.tokens + tally.images * options.tokensPerImage, exact: counter.exact, images: tally.images, writesCache: tally.writesCache };
}

interface Tally {
  tokens: number;
  images: number;
  writesCache: boolean;
}

function countContent(value: unknown, counter: TokenCounter, tally: Tally): void {
  if (typeof value === 'string') {
    tally.tokens += counter.count(value);
    return;
  }
  for (const part of arrayOf(value)) {
    if (!isRecord(part)) continue;
    if (part.cache_control !== undefined) tally.writesCache = true;
    const type = typeof part.type === 'string' ? part.type : '';
    if (imageTypes.has(type)) {
      tally.images += 1;
    } else if (textTypes.has(type) && typeof part.text === 'string') {
      tally.tokens += counter.count(part.text);
    } else if (type === 'tool_result' || type === 'function_call_output') {
      countContent(part.content ?? part.output, counter, tally);
      tally.tokens += chatTokensPerMessage;
    } else {
      // Tool calls, documents and anything new: the JSON text is longer than what the model reads.
      tally.tokens += counter.count(JSON.stringify(part));
    }
  }
}

function countDefinitions(tools: unknown, counter: TokenCounter, tally: Tally): void {
  for (const tool of arrayOf(tools)) {
    tally.tokens += counter.count(JSON.stringify(tool)) + toolDefinitionOverhead;
    if (isRecord(tool) && tool.cache_control !== undefined) tally.writesCache = true;
  }
}

function countEmbeddingInput(input: unknown, counter: TokenCounter, tally: Tally): void {
  if (typeof input === 'string') {
    tally.tokens += counter.count(input);
    return;
  }
  for (const item of arrayOf(input)) {
    if (typeof item === 'string') tally.tokens += counter.count(item);
    else if (typeof item === 'number') tally.tokens += 1;
    else if (Array.isArray(item)) tally.tokens += item.length;
  }
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
