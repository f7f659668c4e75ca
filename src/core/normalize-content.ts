const ansiEscape = /\u001b\[[0-9;]*[A-Za-z]/g;
const uuid = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const isoTimestamp = /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g;
// Seconds are required so that `file.ts:12:30` (line:column) stays intact.
const clockTime = /\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g;
const duration = /\b\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|secs?|seconds?|mins?|minutes?|h|hours?)\b/g;
const prefixedHex = /\b0x[0-9a-f]{6,}\b/gi;
// A digit and a letter both required: `deadbeef` or `acceded` are words, `3f9a1c0e` is an id.
const hexId = /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi;
// The random part of generated ids such as `call_Jq8VxW2kR5nB0mLp7TzY4dHs` or
// `msg_01XFDUDYJgAACzvnptvVoYEL`; `migration-20240101-add-users` has no such run and stays.
const generatedId = /(?<![A-Za-z0-9])[A-Za-z0-9]{16,}(?![A-Za-z0-9])/g;
// Ten digits and up: epoch seconds and milliseconds, snowflake ids. Counts, line numbers,
// ports and progress figures are shorter and must stay, or progress would look like a loop.
const longNumber = /\b\d{10,}\b/g;

/**
 * Text with whitespace collapsed and volatile parts masked (UUIDs, timestamps, clock times,
 * durations, hex and generated ids, numbers of ten digits or more), so that two runs of the
 * same thing compare equal while a changed count, percentage or message does not.
 * @example normalizeContent('Start at 18:30:01  Duration 1.2s') // 'Start at <time> Duration <duration>'
 */
export function normalizeContent(text: string): string {
  return text
    .replace(ansiEscape, '')
    .replace(uuid, '<uuid>')
    .replace(isoTimestamp, '<time>')
    .replace(clockTime, '<time>')
    .replace(duration, '<duration>')
    .replace(prefixedHex, '<hex>')
    .replace(hexId, '<hex>')
    .replace(generatedId, (token) => (looksGenerated(token) ? '<id>' : token))
    .replace(longNumber, '<number>')
    .replace(/\s+/g, ' ')
    .trim();
}

function looksGenerated(token: string): boolean {
  const digits = token.replace(/\D/g, '').length;
  const letters = token.length - digits;
  return digits >= 2 && letters >= 4;
}
