import { sandboxHome } from './sandbox-environment.js';

/**
 * The /etc files written fresh for each sandbox instead of the host's: one user and group for the
 * sandbox's own ids, and localhost. Programs that look up their user or resolve localhost work;
 * the host's accounts and host names stay out.
 */
export function sandboxEtcFiles(identity: { uid: number; gid: number }): Array<{ path: string; text: string }> {
  return [
    { path: '/etc/passwd', text: `sandbox:x:${identity.uid}:${identity.gid}:Warden sandbox:${sandboxHome}:/bin/sh\n` },
    { path: '/etc/group', text: `sandbox:x:${identity.gid}:\n` },
    { path: '/etc/hosts', text: '127.0.0.1\tlocalhost warden-sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n' },
  ];
}
