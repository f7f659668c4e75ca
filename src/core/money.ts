import { WardenError } from './warden-error.js';

/** Money everywhere is an integer count of nano-USD (1e-9 USD). */
export type NanoUsd = number;

export const nanoUsdPerUsd = 1_000_000_000;
const picoUsdPerNanoUsd = 1_000;
const dollarAmountPattern = /^\$?\s*(\d+)(?:\.(\d{1,9}))?$/;

/**
 * Parses a dollar amount written by a person ("25", "25.50", "$0.002") into nano-USD, exactly.
 * Returns undefined when the text is not a plain non-negative amount.
 */
export function parseUsd(text: string | number): NanoUsd | undefined {
  const source = typeof text === 'number' ? numberToPlainText(text) : text.trim();
  if (source === undefined) return undefined;
  const match = dollarAmountPattern.exec(source);
  if (!match) return undefined;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(9, '0'));
  const nano = whole * nanoUsdPerUsd + fraction;
  return Number.isSafeInteger(nano) ? nano : undefined;
}

function numberToPlainText(value: number): string | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  return value.toFixed(9).replace(/\.?0+$/, '');
}

/** Like parseUsd, but throws a WardenError that names what was wrong. */
export function usdToNano(text: string | number, what = 'amount'): NanoUsd {
  const nano = parseUsd(text);
  if (nano === undefined) {
    throw new WardenError('invalid_request', `${what}: expected a dollar amount like "25" or "25.50", got ${JSON.stringify(text)}.`);
  }
  return nano;
}

/** Converts a price in USD per million tokens to integer pico-USD per token (exact to 1e-6 $/MTok). */
export function usdPerMillionToPicoPerToken(usdPerMillionTokens: number): number {
  return Math.round(usdPerMillionTokens * 1_000_000);
}

/** Cost of `tokens` at `picoPerToken`, in pico-USD. Exact integer arithmetic, BigInt past 2^53. */
export function tokensTimesPrice(tokens: number, picoPerToken: number): bigint | number {
  const product = tokens * picoPerToken;
  if (Number.isSafeInteger(product)) return product;
  return BigInt(tokens) * BigInt(picoPerToken);
}

/** Sums pico-USD amounts and rounds up to whole nano-USD, so a charge is never understated. */
export function picoToNanoCeil(picoAmounts: ReadonlyArray<bigint | number>): NanoUsd {
  let total = 0n;
  let small = 0;
  for (const amount of picoAmounts) {
    if (typeof amount === 'bigint') total += amount;
    else small += amount;
  }
  if (total === 0n && Number.isSafeInteger(small)) return Math.ceil(small / picoUsdPerNanoUsd);
  total += BigInt(small);
  const nano = (total + BigInt(picoUsdPerNanoUsd - 1)) / BigInt(picoUsdPerNanoUsd);
  const result = Number(nano);
  if (!Number.isSafeInteger(result)) {
    throw new WardenError('invalid_request', 'A single cost exceeded 9 million USD; check the token counts.');
  }
  return result;
}

/** Formats nano-USD for people: "$0.000123". Display only — never parse it back. */
export function formatUsd(nano: NanoUsd, fractionDigits = 6): string {
  const sign = nano < 0 ? '-' : '';
  const usd = Math.abs(nano) / nanoUsdPerUsd;
  return `${sign}$${usd.toFixed(fractionDigits)}`;
}

/** Exact decimal text of a nano-USD amount in dollars, for headers and APIs: "0.000123456". */
export function nanoToUsdText(nano: NanoUsd): string {
  const sign = nano < 0 ? '-' : '';
  const absolute = Math.abs(nano);
  const whole = Math.floor(absolute / nanoUsdPerUsd);
  const fraction = String(absolute % nanoUsdPerUsd).padStart(9, '0').replace(/0+$/, '');
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}
