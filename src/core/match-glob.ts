/**
 * Whether a value matches a glob in which `*` is any run of characters (none included) and
 * every other character is literal. The whole value must match.
 * @example matchGlob('fs.*', 'fs.read') // true
 */
export function matchGlob(glob: string, value: string): boolean {
  if (!glob.includes('*')) return glob === value;
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value);
}
