/**
 * A POSIX path made absolute against `base` with `.`, `..` and repeated slashes resolved by
 * text alone (`..` at the root stays at the root). Symbolic links are not followed: that
 * needs the file system, which the caller's resolver has.
 * @example resolveLexicalPath('/work/repo', '../../etc/passwd') // '/etc/passwd'
 */
export function resolveLexicalPath(base: string, path: string): string {
  const segments: string[] = [];
  for (const segment of (path.startsWith('/') ? path : `${base}/${path}`).split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/** Whether `path` is `directory` or inside it; both absolute and already resolved. */
export function isInsideDirectory(path: string, directory: string): boolean {
  return path === directory || path.startsWith(directory.endsWith('/') ? directory : `${directory}/`);
}
