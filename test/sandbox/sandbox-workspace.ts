import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const nobody = 65_534;

/**
 * A scratch directory with a `workspace` inside it and room beside it for files the sandbox must
 * not reach. Under root the sandbox runs as nobody (see sandboxIdentity), so the workspace is
 * given to nobody and its parents made searchable, as an operator would.
 */
export function createSandboxWorkspace(prefix: string): { root: string; workspace: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(root, 0o755);
  const workspace = join(root, 'workspace');
  mkdirSync(workspace);
  if (process.getuid?.() === 0) chownSync(workspace, nobody, nobody);
  return { root, workspace, remove: () => rmSync(root, { recursive: true, force: true }) };
}
