/** A decoded JSON object whose fields are not yet checked. */
export type JsonRecord = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object under `key`, or undefined when `value` or the field is not an object. */
export function recordField(value: unknown, key: string): JsonRecord | undefined {
  if (!isRecord(value)) return undefined;
  const field = value[key];
  return isRecord(field) ? field : undefined;
}

/** The non-empty string under `key`, or undefined. */
export function stringField(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const field = value[key];
  return typeof field === 'string' && field !== '' ? field : undefined;
}

/** The token count under `key`: a non-negative safe integer, or undefined when absent or malformed. */
export function tokenField(value: unknown, key: string): number | undefined {
  if (!isRecord(value)) return undefined;
  const field = value[key];
  return typeof field === 'number' && Number.isSafeInteger(field) && field >= 0 ? field : undefined;
}

/** The length of the string under `key`, 0 when there is none. */
export function textLengthField(value: unknown, key: string): number {
  if (!isRecord(value)) return 0;
  const field = value[key];
  return typeof field === 'string' ? field.length : 0;
}

/** Parses text that should hold a JSON object; undefined for anything else. */
export function parseJsonRecord(text: string): JsonRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Sentinels like `[DONE]` and a truncated final event are not JSON and carry no usage.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  return isRecord(value) ? value : undefined;
}
