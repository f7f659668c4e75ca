const redacted = '[redacted]';
const shortestRedactedPiece = 12;

/**
 * The text with a credential cut out: the whole credential, and any run of 12 or more of its
 * characters (a provider that echoes part of a key still gives part of it away).
 * @example redactCredential('bad key sk-proj-abcdef0123456789', 'sk-proj-abcdef0123456789') // 'bad key [redacted]'
 */
export function redactCredential(text: string, credential: string): string {
  if (credential === '') return text;
  const span = Math.min(shortestRedactedPiece, credential.length);
  const pieces = new Set<string>();
  for (let start = 0; start + span <= credential.length; start += 1) pieces.add(credential.slice(start, start + span));
  let result = '';
  let copiedUpTo = 0;
  let start = 0;
  while (start + span <= text.length) {
    if (!pieces.has(text.slice(start, start + span))) {
      start += 1;
      continue;
    }
    let end = start + span;
    while (end < text.length && pieces.has(text.slice(end + 1 - span, end + 1))) end += 1;
    result += `${text.slice(copiedUpTo, start)}${redacted}`;
    copiedUpTo = end;
    start = end;
  }
  return result + text.slice(copiedUpTo);
}
