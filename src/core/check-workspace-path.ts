import { isInsideDirectory, resolveLexicalPath } from './resolve-lexical-path.js';

/**
 * The real path of an absolute path as the kernel reaches it, symbolic links followed. Must
 * accept paths that do not exist yet (resolve the deepest existing ancestor, append the rest)
 * and throw when it cannot tell. Node: a wrapper over `fs.promises.realpath`.
 */
export type ResolvePath = (absolutePath: string) => string | Promise<string>;

export interface CheckWorkspacePathOptions {
  /** The path as the agent gave it. */
  path: string;
  /** Absolute, lexically resolved workspace directories. */
  workspaces: readonly string[];
  /** What a relative path is relative to. */
  workingDirectory: string;
  resolvePath: ResolvePath;
}

export type PathCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether a path stays inside one of the workspaces, first by text (`..`), then by the real
 * path its symbolic links lead to. A path the resolver cannot resolve is refused.
 * @example await checkWorkspacePath({ path: '../../etc/passwd', workspaces: ['/work/repo'], workingDirectory: '/work/repo', resolvePath })
 */
export async function checkWorkspacePath(options: CheckWorkspacePathOptions): Promise<PathCheck> {
  const { path, workspaces, workingDirectory, resolvePath } = options;
  const shown = JSON.stringify(path);
  const listed = workspaces.join(', ');
  if (path === '') return { ok: false, reason: 'the path is empty' };
  if (path.startsWith('~')) return { ok: false, reason: `path ${shown} starts with "~", which a shell expands to a home directory and a file API does not; give a path inside ${listed}` };

  const lexical = resolveLexicalPath(workingDirectory, path);
  if (!workspaces.some((workspace) => isInsideDirectory(lexical, workspace))) {
    return { ok: false, reason: `path ${shown} resolves to ${lexical}, outside the workspaces (${listed}); add a workspace under paths.workspaces if the agent should reach it` };
  }

  let real: string;
  try {
    real = await physicalPath(path.startsWith('/') ? path : `${workingDirectory}/${path}`, resolvePath);
  } catch (error) {
    return { ok: false, reason: `path ${shown} could not be resolved to a real path (${messageOf(error)}); a path that cannot be checked is refused` };
  }
  const realWorkspaces = await Promise.all(
    workspaces.map(async (workspace) => {
      try {
        return await resolvePath(workspace);
      } catch (error) {
        // A workspace that is gone or unreadable admits nothing; the others still count.
        return { workspace, problem: messageOf(error) };
      }
    }),
  );
  if (realWorkspaces.some((workspace) => typeof workspace === 'string' && isInsideDirectory(real, workspace))) return { ok: true };
  const broken = realWorkspaces.filter((workspace): workspace is { workspace: string; problem: string } => typeof workspace !== 'string');
  const brokenNote = broken.length === 0 ? '' : `; workspace ${broken.map(({ workspace, problem }) => `${workspace} could not be resolved (${problem})`).join(', ')}`;
  return { ok: false, reason: `path ${shown} leads through a symbolic link to ${real}, outside the workspaces (${listed})${brokenNote}; add a workspace under paths.workspaces if the agent should reach it` };
}

/**
 * Resolves `..` the way the kernel does, after the symbolic links before it: `link/..` is the
 * parent of the link's target, not the directory holding the link. So it does not depend on
 * whether the resolver collapses `..` by text first (as Node's fs.realpath does).
 */
async function physicalPath(absolutePath: string, resolvePath: ResolvePath): Promise<string> {
  let current = '/';
  for (const segment of absolutePath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') current = resolveLexicalPath(await resolvePath(current), '..');
    else current = current === '/' ? `/${segment}` : `${current}/${segment}`;
  }
  return resolvePath(current);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
