/**
 * Published maximum output tokens per model family, longest prefix first. The catalogue has
 * context windows but not output limits; config `maxOutputTokens` overrides these.
 */
const outputLimits: ReadonlyArray<readonly [prefix: string, maxOutputTokens: number]> = [
  ['gpt-4o-mini', 16_384],
  ['gpt-4o', 16_384],
  ['gpt-4.1', 32_768],
  ['gpt-4-turbo', 4_096],
  ['gpt-4', 8_192],
  ['gpt-3.5-turbo', 4_096],
  ['gpt-5', 128_000],
  ['o1-mini', 65_536],
  ['o1', 100_000],
  ['o3-mini', 100_000],
  ['o3', 100_000],
  ['o4-mini', 100_000],
  ['claude-opus-4-1', 32_000],
  ['claude-opus-4-0', 32_000],
  ['claude-opus-4-2025', 32_000],
  ['claude-opus-4', 64_000],
  ['claude-sonnet-4', 64_000],
  ['claude-sonnet-5', 64_000],
  ['claude-haiku-4', 64_000],
  ['claude-3-7-sonnet', 64_000],
  ['claude-3-5-sonnet', 8_192],
  ['claude-3-5-haiku', 8_192],
  ['claude-3-haiku', 4_096],
  ['claude-3-opus', 4_096],
];

/** The model's published output limit, or undefined when Warden does not know it. */
export function modelOutputLimit(model: string): number | undefined {
  const name = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
  for (const [prefix, limit] of outputLimits) if (name.startsWith(prefix)) return limit;
  return undefined;
}
