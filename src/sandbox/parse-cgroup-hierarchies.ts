import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A mounted cgroup hierarchy and where this process sits in it. */
export interface CgroupHierarchy {
  version: 1 | 2;
  /** v1: the controllers bound to this hierarchy; v2: empty (read cgroup.controllers instead). */
  controllers: readonly string[];
  mountPoint: string;
  /** This process's own cgroup, as a directory under mountPoint; undefined when it is not visible through this mount. */
  ownDirectory: string | undefined;
}

/**
 * The cgroup hierarchies mounted for this process, from the text of /proc/self/mountinfo and
 * /proc/self/cgroup. One entry per hierarchy (the first mount of it); named v1 hierarchies without
 * controllers, like name=systemd, are left out.
 * @example parseCgroupHierarchies({ mountInfo: readFileSync('/proc/self/mountinfo', 'utf8'), processCgroups: readFileSync('/proc/self/cgroup', 'utf8') })
 */
export function parseCgroupHierarchies(options: { mountInfo: string; processCgroups: string }): CgroupHierarchy[] {
  const ownPaths = new Map<string, string>();
  for (const line of options.processCgroups.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (match) ownPaths.set(match[1] === '' ? '' : sortedKey(match[1]!.split(',')), match[2]!);
  }
  const hierarchies: CgroupHierarchy[] = [];
  const seen = new Set<string>();
  for (const line of options.mountInfo.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const [, , , root, mountPoint] = line.slice(0, separator).split(' ');
    const [type, , superOptions] = line.slice(separator + 3).split(' ');
    if (root === undefined || mountPoint === undefined || (type !== 'cgroup' && type !== 'cgroup2')) continue;
    const controllers = type === 'cgroup2' ? [] : (superOptions ?? '').split(',').filter((option) => !knownMountOptions.has(option) && !option.startsWith('name=') && !option.includes('='));
    if (type === 'cgroup' && controllers.length === 0) continue;
    const key = type === 'cgroup2' ? '' : sortedKey(controllers);
    if (seen.has(key)) continue;
    seen.add(key);
    const ownPath = ownPaths.get(key);
    hierarchies.push({
      version: type === 'cgroup2' ? 2 : 1,
      controllers,
      mountPoint: unescapeMountPath(mountPoint),
      ownDirectory: ownPath === undefined ? undefined : directoryUnder(unescapeMountPath(mountPoint), unescapeMountPath(root), ownPath),
    });
  }
  return hierarchies;
}

/** parseCgroupHierarchies for this process; an empty list where /proc is missing. */
export function readCgroupHierarchies(): CgroupHierarchy[] {
  try {
    return parseCgroupHierarchies({ mountInfo: readFileSync('/proc/self/mountinfo', 'utf8'), processCgroups: readFileSync('/proc/self/cgroup', 'utf8') });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

const knownMountOptions = new Set(['rw', 'ro', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'nsdelegate', 'memory_recursiveprot', 'memory_localevents', 'favordynmods', '']);

function sortedKey(controllers: readonly string[]): string {
  return [...controllers].sort().join(',');
}

// mountinfo escapes space, tab, newline and backslash as octal.
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function directoryUnder(mountPoint: string, mountRoot: string, ownPath: string): string | undefined {
  // A mount of a sub-tree (a container's view without a cgroup namespace) shows only what is under its root.
  if (mountRoot === '/') return resolve(join(mountPoint, ownPath));
  if (ownPath === mountRoot || ownPath.startsWith(`${mountRoot}/`)) return resolve(join(mountPoint, ownPath.slice(mountRoot.length)));
  return undefined;
}
