/**
 * The arguments a model wrote for a tool call, parsed for the tool policy. Text that is not
 * JSON is judged as a plain string (and so fails argument rules).
 * @example decideTool({ policies, subject, name: call.name, args: parseToolArguments(call.argumentsJson) })
 */
export function parseToolArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return text;
    throw error;
  }
}
