import type { AnthropicTool, AnthropicToolChoice } from './anthropic-wire-types.js';
import { untranslatableFieldError } from './field-errors.js';
import { requireArray, requireRecord, requireString } from './required-fields.js';

/**
 * Function tools as Anthropic custom tools. `strict` is dropped: Claude follows the schema
 * without a grammar guarantee, and refusing it would shut out clients that set it by default.
 */
export function chatToolsToAnthropic(tools: unknown): AnthropicTool[] {
  return requireArray(tools, 'tools').map((tool, index) => {
    const field = `tools[${index}]`;
    const record = requireRecord(tool, field);
    if (record.type !== 'function') throw untranslatableFieldError(`${field}.type`, 'anthropic', 'only function tools are supported');
    const definition = requireRecord(record.function, `${field}.function`);
    const translated: AnthropicTool = {
      name: requireString(definition.name, `${field}.function.name`),
      // OpenAI lets a tool without arguments omit parameters; Anthropic always wants a schema.
      input_schema: definition.parameters === undefined ? { type: 'object', properties: {} } : requireRecord(definition.parameters, `${field}.function.parameters`),
    };
    if (typeof definition.description === 'string') translated.description = definition.description;
    return translated;
  });
}

/**
 * `tool_choice` and `parallel_tool_calls` as one Anthropic tool_choice (auto, none,
 * required → any, a named function → tool); undefined when neither asks for anything.
 */
export function chatToolChoiceToAnthropic(toolChoice: unknown, parallelToolCalls: unknown): AnthropicToolChoice | undefined {
  const disableParallel = parallelToolCalls === false;
  if (toolChoice === undefined || toolChoice === null) return disableParallel ? { type: 'auto', disable_parallel_tool_use: true } : undefined;
  if (toolChoice === 'none') return { type: 'none' };
  const parallel = disableParallel ? { disable_parallel_tool_use: true } : {};
  if (toolChoice === 'auto') return { type: 'auto', ...parallel };
  if (toolChoice === 'required') return { type: 'any', ...parallel };
  const record = requireRecord(toolChoice, 'tool_choice');
  if (record.type !== 'function') throw untranslatableFieldError('tool_choice', 'anthropic', `tool_choice of type ${JSON.stringify(record.type)} has no Anthropic equivalent`);
  const name = requireString(requireRecord(record.function, 'tool_choice.function').name, 'tool_choice.function.name');
  return { type: 'tool', name, ...parallel };
}
