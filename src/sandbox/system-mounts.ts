import { lstatSync, readlinkSync } from 'node:fs';

/** A host path shown read-only in the sandbox: a bind of the same path, or the same symlink. */
export type SystemMount = { kind: 'bind'; path: string } | { kind: 'symlink'; path: string; target: string };

// What programs need to start and find their libraries, and nothing that names people or hosts:
// no /home, /root, /run or /var; /etc/passwd, /etc/group and /etc/hosts are written fresh.
const systemPaths = [
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/nsswitch.conf',
];

/** The system paths present on this host, as the sandbox should show them. */
export function systemMounts(): SystemMount[] {
  return systemPaths.flatMap((path): SystemMount[] => {
    try {
      const stat = lstatSync(path);
      return stat.isSymbolicLink() ? [{ kind: 'symlink', path, target: readlinkSync(path) }] : [{ kind: 'bind', path }];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  });
}
