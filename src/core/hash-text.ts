/**
 * A 64-bit non-cryptographic hash of a string as 16 hex digits (two cyrb53-style lanes), for
 * fingerprints compared within one task. Never use it where an adversary chooses the input to
 * collide with something protected.
 * @example hashText('npm test') // 16 hex digits, the same on every run
 */
export function hashText(text: string): string {
  let first = 0xdeadbeef;
  let second = 0x41c6ce57;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    first = Math.imul(first ^ code, 2654435761);
    second = Math.imul(second ^ code, 1597334677);
  }
  first = Math.imul(first ^ (first >>> 16), 2246822507) ^ Math.imul(second ^ (second >>> 13), 3266489909);
  second = Math.imul(second ^ (second >>> 16), 2246822507) ^ Math.imul(first ^ (first >>> 13), 3266489909);
  return hex32(second) + hex32(first);
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
