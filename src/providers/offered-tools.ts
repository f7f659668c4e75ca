import type { Dialect } from './estimate-input-tokens.js';
import { isRecord } from './json-fields.js';

/** The names of the tools a request offers the model (function tools; built-in tools by their type). */
export function offeredToolNames(dialect: Dialect, body: Readonly<Record<string, unknown>>): string[] {
  return (Array.isArray(body.tools) ? body.tools : []).map((tool) => toolName(dialect, tool)).filter((name): name is string => name !== undefined);
}

/** The request without the named tools; `tools` is dropped when none is left (an empty list is an error upstream). */
export function withoutTools(dialect: Dialect, body: Readonly<Record<string, unknown>>, names: ReadonlySet<string>): Record<string, unknown> {
  const kept = (Array.isArray(body.tools) ? body.tools : []).filter((tool) => {
    const name = toolName(dialect, tool);
    return name === undefined || !names.has(name);
  });
  const { tools: _tools, tool_choice: toolChoice, ...rest } = body;
  if (kept.length === 0) return rest;
  return { ...rest, tools: kept, ...(toolChoice === undefined || choosesRemoved(dialect, toolChoice, names) ? {} : { tool_choice: toolChoice }) };
}

function toolName(dialect: Dialect, tool: unknown): string | undefined {
  if (!isRecord(tool)) return undefined;
  if (dialect === 'openai-chat' && isRecord(tool.function) && typeof tool.function.name === 'string') return tool.function.name;
  if (typeof tool.name === 'string') return tool.name;
  return typeof tool.type === 'string' ? tool.type : undefined;
}

/** A tool_choice that forces a removed tool would make the request invalid: drop it too. */
function choosesRemoved(dialect: Dialect, choice: unknown, names: ReadonlySet<string>): boolean {
  if (!isRecord(choice)) return false;
  const forced = dialect === 'openai-chat' && isRecord(choice.function) ? choice.function.name : choice.name;
  return typeof forced === 'string' && names.has(forced);
}
