import type { ChatTool, ChatToolChoice } from './chat-wire-types.js';
import { malformedFieldError, untranslatableFieldError } from './field-errors.js';
import { requireArray, requireRecord, requireString } from './required-fields.js';

// cache_control is dropped (OpenAI caches prompts by itself); strict too, as in the other direction.
const knownToolFields: ReadonlySet<string> = new Set(['type', 'name', 'description', 'input_schema', 'cache_control', 'strict']);

/** Custom tools as function tools; server tools (web search, bash, computer use…) are refused. */
export function anthropicToolsToChat(tools: unknown): ChatTool[] {
  return requireArray(tools, 'tools').map((tool, index) => {
    const field = `tools[${index}]`;
    const record = requireRecord(tool, field);
    if (record.type !== undefined && record.type !== null && record.type !== 'custom') {
      throw untranslatableFieldError(`${field}.type`, 'openai', `${JSON.stringify(record.type)} is an Anthropic server tool`);
    }
    for (const key of Object.keys(record)) {
      if (!knownToolFields.has(key)) throw untranslatableFieldError(`${field}.${key}`, 'openai');
    }
    const definition: ChatTool['function'] = {
      name: requireString(record.name, `${field}.name`),
      parameters: requireRecord(record.input_schema, `${field}.input_schema`),
    };
    if (typeof record.description === 'string') definition.description = record.description;
    return { type: 'function', function: definition };
  });
}

/** An Anthropic tool_choice as chat `tool_choice` plus `parallel_tool_calls` (from disable_parallel_tool_use). */
export function anthropicToolChoiceToChat(toolChoice: unknown): { tool_choice: ChatToolChoice; parallel_tool_calls?: false } {
  const record = requireRecord(toolChoice, 'tool_choice');
  const parallel = record.disable_parallel_tool_use === true ? { parallel_tool_calls: false as const } : {};
  switch (record.type) {
    case 'auto':
      return { tool_choice: 'auto', ...parallel };
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      return { tool_choice: { type: 'function', function: { name: requireString(record.name, 'tool_choice.name') } }, ...parallel };
    default:
      throw malformedFieldError('tool_choice.type', 'one of "auto", "any", "tool" or "none"');
  }
}
