import { isRecord, type JsonRecord } from '../json-fields.js';
import { malformedFieldError } from './field-errors.js';

/** `value` as an object, or an invalid_request error naming `field`. */
export function requireRecord(value: unknown, field: string): JsonRecord {
  if (!isRecord(value)) throw malformedFieldError(field, 'an object');
  return value;
}

/** `value` as an array, or an invalid_request error naming `field`. */
export function requireArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw malformedFieldError(field, 'an array');
  return value;
}

/** `value` as a string (empty allowed), or an invalid_request error naming `field`. */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw malformedFieldError(field, 'a string');
  return value;
}

/** `value` as a boolean, or an invalid_request error naming `field`. */
export function requireBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw malformedFieldError(field, 'true or false');
  return value;
}

/** `value` as a number, or an invalid_request error naming `field`. */
export function requireNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw malformedFieldError(field, 'a number');
  return value;
}

/** `value` as a positive safe integer, or an invalid_request error naming `field`. */
export function requirePositiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw malformedFieldError(field, 'a positive integer');
  return value;
}

/** Parses JSON text that must hold an object; the empty string counts as `{}`. */
export function parseJsonObject(text: string, field: string): JsonRecord {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) throw malformedFieldError(field, `JSON text for an object (${error.message})`);
    throw error;
  }
  if (!isRecord(value)) throw malformedFieldError(field, 'JSON text for an object');
  return value;
}
