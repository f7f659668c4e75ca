import { createRequire } from 'node:module';

type Encoding = typeof import('gpt-tokenizer/encoding/o200k_base');
// Each encoding's rank table costs tens of MB: load it synchronously the first time a model needs it.
const require = createRequire(import.meta.url);
const loadEncoding = (name: 'o200k_base' | 'cl100k_base'): Encoding => require(`gpt-tokenizer/encoding/${name}`) as Encoding;

/** Counts tokens of text: exactly where the model's tokenizer is public, as a safe upper bound otherwise. */
export interface TokenCounter {
  count(text: string): number;
  /** True when count is the model's own tokenizer, false when it is a bound. */
  exact: boolean;
}

const encoder = new TextEncoder();
let o200k: Encoding | undefined;
let cl100k: Encoding | undefined;
const asPlainText = { disallowedSpecial: new Set<string>() };

/**
 * Any byte-level BPE token covers at least one UTF-8 byte, so the byte count bounds the token
 * count for tokenizers Warden cannot run (Anthropic's is not public).
 */
export const byteBoundCounter: TokenCounter = {
  exact: false,
  count: (text) => utf8Length(text),
};

/** The counter for a model: o200k/cl100k for OpenAI families, the byte bound for everything else. */
export function tokenCounterFor(model: string): TokenCounter {
  let counter = countersByModel.get(model);
  if (counter === undefined) {
    counter = counterForModel(model);
    if (countersByModel.size < 10_000) countersByModel.set(model, counter);
  }
  return counter;
}

const countersByModel = new Map<string, TokenCounter>();

function counterForModel(model: string): TokenCounter {
  const name = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4)/.test(name)) return o200kCounter;
  if (/^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)/.test(name)) return cl100kCounter;
  return byteBoundCounter;
}

// Agents resend the same system prompt and history on every call: remember recent counts.
const maxRememberedTexts = 4096;
const maxRememberedCharacters = 16 * 1024 * 1024;
const remembered = new Map<string, number>();
let rememberedCharacters = 0;

function remember(key: string, tokens: number): number {
  if (key.length > maxRememberedCharacters / 16) return tokens;
  remembered.set(key, tokens);
  rememberedCharacters += key.length;
  while (remembered.size > maxRememberedTexts || rememberedCharacters > maxRememberedCharacters) {
    const oldest = remembered.keys().next().value as string;
    remembered.delete(oldest);
    rememberedCharacters -= oldest.length;
  }
  return tokens;
}

function bpeCounter(name: 'o200k' | 'cl100k', load: () => Encoding): TokenCounter {
  return {
    exact: true,
    count: (text) => {
      if (text.length === 0) return 0;
      const key = `${name}\u0000${text}`;
      // Special-token text in user content is ordinary text to the API, so no token is treated as special.
      return remembered.get(key) ?? remember(key, load().countTokens(text, asPlainText));
    },
  };
}

/** Loads the tokenizer of current OpenAI models now, so the first call does not pay for it (older models load theirs on first use). */
export function warmTokenCounters(): void {
  tokenCounterFor('gpt-4o').count('warm');
}

/** UTF-8 byte length without allocating for ASCII-only text. */
export function utf8Length(text: string): number {
  for (let index = 0; index < text.length; index += 1) {
    if (text.charCodeAt(index) > 0x7f) return encoder.encode(text).length;
  }
  return text.length;
}

const o200kCounter = bpeCounter('o200k', () => (o200k ??= loadEncoding('o200k_base')));
const cl100kCounter = bpeCounter('cl100k', () => (cl100k ??= loadEncoding('cl100k_base')));
