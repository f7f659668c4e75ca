import { accessSync, constants, statSync } from 'node:fs';

/** The first of `paths` that is an executable file, or undefined. */
export function findExecutable(paths: readonly string[]): string | undefined {
  return paths.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') return false;
      throw error;
    }
  });
}
