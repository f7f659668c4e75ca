import type { JsonRecord } from '../json-fields.js';

/** Why an Anthropic message stopped. */
export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

/** Messages `usage`: input_tokens is uncached input only; the cache fields are separate. */
export type AnthropicUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
};

export type AnthropicTextBlock = { type: 'text'; text: string };
export type AnthropicImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
export type AnthropicImageBlock = { type: 'image'; source: AnthropicImageSource };
export type AnthropicDocumentBlock = {
  type: 'document';
  source: { type: 'base64'; media_type: 'application/pdf'; data: string };
  title?: string;
};
export type AnthropicToolUseBlock = { type: 'tool_use'; id: string; name: string; input: JsonRecord };
export type AnthropicToolResultBlock = { type: 'tool_result'; tool_use_id: string; content: string | AnthropicTextBlock[] };
export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock;

/** One Messages request message, in the subset the translators produce. */
export type AnthropicMessage = { role: 'user' | 'assistant'; content: string | AnthropicContentBlock[] };

export type AnthropicTool = { name: string; description?: string; input_schema: JsonRecord };
export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'none' }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

/** A Messages request body, in the subset the translators produce. */
export type AnthropicRequest = {
  model?: string;
  max_tokens?: number;
  system?: string | AnthropicTextBlock[];
  messages: AnthropicMessage[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  stream?: boolean;
  metadata?: { user_id: string };
};

/** A non-streamed Messages response. */
export type AnthropicResponse = {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Array<AnthropicTextBlock | AnthropicToolUseBlock>;
  stop_reason: AnthropicStopReason | null;
  stop_sequence: null;
  usage: AnthropicUsage;
};

/** Anthropic's error body (also the `data` of a stream `error` event). */
export type AnthropicErrorBody = { type: 'error'; error: { type: string; message: string } };
