import { createCommandCgroup } from '../../src/sandbox/create-command-cgroup.js';

/**
 * Whether this machine gives Warden a cgroup (root with a writable cgroupfs, or v2 delegation), and
 * whether the cgroup tests may skip: only when WARDEN_TEST_SKIP_CGROUP=1 says so; otherwise they run and fail.
 */
export async function cgroupAvailability(): Promise<{ unavailable: string | undefined; skip: boolean; title: string }> {
  const probe = createCommandCgroup({ limits: { memoryInBytes: 64 * 1024 * 1024, maxProcesses: 8 } });
  if ('unavailable' in probe) {
    const skip = process.env['WARDEN_TEST_SKIP_CGROUP'] === '1';
    return { unavailable: probe.unavailable, skip, title: skip ? ` (skipped, WARDEN_TEST_SKIP_CGROUP=1: ${probe.unavailable})` : '' };
  }
  await probe.remove();
  return { unavailable: undefined, skip: false, title: '' };
}
