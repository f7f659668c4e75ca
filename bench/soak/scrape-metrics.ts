import { request } from 'undici';

/** The gateway's own figures the soak follows, from its Prometheus `/metrics`. */
export interface GatewayGauges {
  heapUsedInBytes: number;
  eventLoopLagP99InMs: number;
  eventLoopLagMaxInMs: number;
  reservationsInFlight: number;
}

/**
 * Reads `/metrics` with the admin key. prom-client resets its event-loop histogram on every
 * scrape, so the lag figures cover the time since the previous scrape.
 */
export async function scrapeGatewayGauges(options: { url: string; adminKey: string }): Promise<GatewayGauges> {
  const answer = await request(`${options.url}/metrics`, { headers: { authorization: `Bearer ${options.adminKey}` } });
  const text = await answer.body.text();
  if (answer.statusCode !== 200) throw new Error(`GET /metrics answered ${answer.statusCode}: ${text.slice(0, 200)}`);
  const value = (name: string): number => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([^\\s]+)`, 'm').exec(text);
    if (match === null) throw new Error(`/metrics has no ${name}.`);
    return Number(match[1]);
  };
  return {
    heapUsedInBytes: value('warden_process_nodejs_heap_size_used_bytes'),
    eventLoopLagP99InMs: value('warden_process_nodejs_eventloop_lag_p99_seconds') * 1_000,
    eventLoopLagMaxInMs: value('warden_process_nodejs_eventloop_lag_max_seconds') * 1_000,
    reservationsInFlight: value('warden_reservations_in_flight'),
  };
}
