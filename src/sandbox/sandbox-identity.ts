import { statSync } from 'node:fs';

/** The user the sandbox runs as; `switchUser` when Warden must drop from root to it first. */
export interface SandboxIdentity {
  uid: number;
  gid: number;
  switchUser: boolean;
}

const nobody = 65_534;

/**
 * Who runs the sandbox. Never root: Linux does not apply the process limit to root, and a root
 * sandbox owns every root-owned file it can see. Under root Warden, the command runs as the
 * workspace's owner, or as nobody (65534) when root owns the workspace.
 */
export function sandboxIdentity(workspace: string, currentUid: number = process.getuid?.() ?? nobody): SandboxIdentity {
  if (currentUid !== 0) return { uid: currentUid, gid: process.getgid?.() ?? nobody, switchUser: false };
  const owner = statSync(workspace);
  return owner.uid === 0 ? { uid: nobody, gid: nobody, switchUser: true } : { uid: owner.uid, gid: owner.gid, switchUser: true };
}
