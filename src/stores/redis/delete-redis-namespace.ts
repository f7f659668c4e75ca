import type { Redis } from 'ioredis';

/** Deletes every key of a namespace (the Redis store's keys are all `{namespace}:…`); for tests, benches and retiring a deployment. */
export async function deleteRedisNamespace(redis: Redis, namespace: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${namespace}}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
