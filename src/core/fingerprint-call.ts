import { hashText } from './hash-text.js';
import type { ObservedMessage, ObservedToolCall } from './loop-observation.js';
import { normalizeContent } from './normalize-content.js';

const labelLengthInCharacters = 160;

/** What a tool call is, for comparing it with others, and a short text naming it for people. */
export interface ToolCallFingerprint {
  fingerprint: string;
  /** `bash({"command":"npm test"})`, normalised and cut to 160 characters. */
  label: string;
}

/**
 * Fingerprints a tool call by its name and its arguments, with keys sorted and volatile parts
 * of string values masked, so `{"b":1,"a":"x"}` and `{"a":"x", "b":1}` are the same call.
 * @example fingerprintToolCall({ name: 'bash', argumentsJson: '{"command":"npm test"}' })
 */
export function fingerprintToolCall(call: ObservedToolCall): ToolCallFingerprint {
  const canonical = `${call.name}(${canonicalArguments(call.argumentsJson)})`;
  const label = canonical.length > labelLengthInCharacters ? `${canonical.slice(0, labelLengthInCharacters - 1)}…` : canonical;
  return { fingerprint: hashText(canonical), label };
}

/** Fingerprints a message by its role and normalised text. */
export function fingerprintMessage(message: ObservedMessage): string {
  return hashText(`${message.role}\n${normalizeContent(message.text)}`);
}

function canonicalArguments(argumentsJson: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(argumentsJson);
  } catch (error) {
    // Models do emit broken JSON; it is still an argument text worth comparing.
    if (error instanceof SyntaxError) return normalizeContent(argumentsJson);
    throw error;
  }
  return JSON.stringify(canonicalValue(parsed));
}

function canonicalValue(value: unknown): unknown {
  if (typeof value === 'string') return normalizeContent(value);
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return Object.fromEntries(entries.map(([key, child]) => [key, canonicalValue(child)]));
  }
  return value;
}
