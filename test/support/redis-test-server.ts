import { Redis } from 'ioredis';
import { deleteRedisNamespace } from '../../src/stores/redis/delete-redis-namespace.js';

/** The machine's Redis, which the Redis suites need: they fail (never skip) when it is missing. */
export const testRedisUrl = process.env.WARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

let namespaces = 0;

/** A namespace no other test run uses, so suites can share the server. */
export function uniqueRedisNamespace(label: string): string {
  namespaces += 1;
  return `t_${label}_${process.pid}_${Date.now().toString(36)}_${namespaces}`;
}

/** Deletes every key of `namespace` (the store's keys are all `{namespace}:…`). */
export async function dropRedisNamespace(namespace: string): Promise<void> {
  const redis = new Redis(testRedisUrl, { lazyConnect: true });
  try {
    await redis.connect();
    await deleteRedisNamespace(redis, namespace);
  } finally {
    redis.disconnect();
  }
}
