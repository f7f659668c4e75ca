import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { undoSetup } from './command-cgroup.js';

const attempts = 3;

/**
 * Makes each per-command cgroup directory and its `warden` parent, then `configure`s them, and
 * returns undefined; on any failure it removes what it made and returns why. It tries again when a
 * parent vanished meanwhile, as it does when another run removes the then-empty parent.
 */
export function makeCgroupDirectories(options: {
  directories: readonly string[];
  /** Called on each parent before its child is made; v2 enables the controllers for the children here. */
  prepareParent?: (parent: string) => void;
  configure: () => void;
}): string | undefined {
  for (let attempt = 1; ; attempt++) {
    const made: string[] = [];
    try {
      for (const directory of options.directories) {
        const parent = dirname(directory);
        if (makeDirectory(parent)) made.push(parent);
        options.prepareParent?.(parent);
        mkdirSync(directory);
        made.push(directory);
      }
      options.configure();
      return undefined;
    } catch (error) {
      undoSetup(made);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && attempt < attempts) continue;
      return (error as Error).message;
    }
  }
}

function makeDirectory(path: string): boolean {
  try {
    mkdirSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
