import type { JsonRecord } from '../json-fields.js';

/** Why an OpenAI chat completion stopped. */
export type ChatFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** Chat Completions `usage`: prompt_tokens includes cached tokens, completion_tokens includes reasoning. */
export type ChatUsage = {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
};

/** A function call the assistant made; `arguments` is JSON text. */
export type ChatToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

export type ChatTextPart = { type: 'text'; text: string };
export type ChatImagePart = { type: 'image_url'; image_url: { url: string } };
export type ChatFilePart = { type: 'file'; file: { filename: string; file_data: string } };
export type ChatUserPart = ChatTextPart | ChatImagePart | ChatFilePart;

/** One Chat Completions request message, in the subset the translators produce. */
export type ChatMessage =
  | { role: 'system'; content: string | ChatTextPart[] }
  | { role: 'user'; content: string | ChatUserPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string | ChatTextPart[] };

export type ChatTool = { type: 'function'; function: { name: string; description?: string; parameters: JsonRecord } };
export type ChatToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

/** A Chat Completions request body, in the subset the translators produce. */
export type ChatRequest = {
  model?: string;
  messages: ChatMessage[];
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  user?: string;
};

/** A non-streamed `chat.completion` with one choice. */
export type ChatCompletion = {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; refusal: null; tool_calls?: ChatToolCall[] };
    logprobs: null;
    finish_reason: ChatFinishReason | null;
  }>;
  usage?: ChatUsage;
};

/** OpenAI's error body. */
export type ChatErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };
