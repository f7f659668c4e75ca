import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LedgerEvent } from '../core/ledger-event.js';
import { nanoUsdPerUsd } from '../core/money.js';

/** The gateway's Prometheus metrics, in a registry of its own. Names follow LiteLLM's where one exists. */
export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'route' | 'status'>;
  refusals: Counter<'code'>;
  /** What budgets and policies in mode shadow would have done (never counted in refusals). */
  shadowDecisions: Counter<'kind' | 'scope'>;
  spend: Counter<'model' | 'provider' | 'team' | 'key'>;
  tokens: Counter<'model' | 'kind'>;
  cacheHits: Counter<'route'>;
  cacheSavings: Counter<'model'>;
  retries: Counter<'provider'>;
  fallbacks: Counter<'from' | 'to'>;
  estimateExceeded: Counter<'model'>;
  budgetRemaining: Gauge<'scope' | 'window'>;
  reservationsInFlight: Gauge;
  circuitOpen: Gauge<'upstream'>;
  storeUp: Gauge<'part' | 'backend'>;
  storeWaiting: Gauge<'part' | 'backend'>;
  requestDuration: Histogram<'route'>;
  upstreamDuration: Histogram<'provider'>;
  timeToFirstToken: Histogram<'model'>;
  /** Alerts raised: budget stages reached, SLO overruns and burn-rate projections. */
  alerts: Counter<'kind' | 'severity'>;
  /** Counts a settled call's spend and tokens from its ledger record. */
  recordCall(record: LedgerEvent): void;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'warden_process_' });
  const registers = [registry];
  const spend = new Counter({ name: 'warden_spend_usd_total', help: 'Money charged for LLM calls, in USD', labelNames: ['model', 'provider', 'team', 'key'] as const, registers });
  const tokens = new Counter({ name: 'warden_tokens_total', help: 'Tokens charged, by kind (input, cache_read, cache_write, output, reasoning)', labelNames: ['model', 'kind'] as const, registers });
  const estimateExceeded = new Counter({ name: 'warden_estimate_exceeded_total', help: 'Calls whose actual cost exceeded their reserved upper bound', labelNames: ['model'] as const, registers });
  return {
    registry,
    alerts: new Counter({ name: 'warden_alerts_total', help: 'Alerts raised, by kind (budget-stage, slo-overrun, slo-burn-rate) and severity', labelNames: ['kind', 'severity'] as const, registers }),
    requests: new Counter({ name: 'warden_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['route', 'status'] as const, registers }),
    refusals: new Counter({ name: 'warden_refusals_total', help: 'Requests refused by Warden, by error code', labelNames: ['code'] as const, registers }),
    shadowDecisions: new Counter({
      name: 'warden_shadow_decisions_total',
      help: 'Calls a budget or policy in shadow mode would have refused, clamped, downgraded, denied or held (and let through), by kind and where it is configured',
      labelNames: ['kind', 'scope'] as const,
      registers,
    }),
    spend,
    tokens,
    cacheHits: new Counter({ name: 'warden_cache_hits_total', help: 'Requests answered from the response cache', labelNames: ['route'] as const, registers }),
    cacheSavings: new Counter({ name: 'warden_cache_saved_usd_total', help: 'What cache hits would have cost, in USD', labelNames: ['model'] as const, registers }),
    retries: new Counter({ name: 'warden_retries_total', help: 'Upstream attempts retried', labelNames: ['provider'] as const, registers }),
    fallbacks: new Counter({ name: 'warden_fallbacks_total', help: 'Calls moved to a fallback model', labelNames: ['from', 'to'] as const, registers }),
    estimateExceeded,
    budgetRemaining: new Gauge({ name: 'warden_budget_remaining_usd', help: 'What a budget has left in its current window, in USD', labelNames: ['scope', 'window'] as const, registers }),
    reservationsInFlight: new Gauge({ name: 'warden_reservations_in_flight', help: 'Calls holding a reservation right now', registers }),
    storeUp: new Gauge({ name: 'warden_store_up', help: '1 while a store part (budgets, ledger) answers', labelNames: ['part', 'backend'] as const, registers }),
    storeWaiting: new Gauge({
      name: 'warden_store_waiting',
      help: 'Work waiting for a store part to answer: commits and releases (budgets), spooled events (ledger)',
      labelNames: ['part', 'backend'] as const,
      registers,
    }),
    circuitOpen: new Gauge({ name: 'warden_circuit_open', help: '1 while an upstream circuit breaker is open', labelNames: ['upstream'] as const, registers }),
    requestDuration: new Histogram({ name: 'warden_request_duration_seconds', help: 'Time from request to last byte', labelNames: ['route'] as const, buckets: latencyBuckets, registers }),
    upstreamDuration: new Histogram({ name: 'warden_upstream_duration_seconds', help: 'Time spent waiting on upstreams', labelNames: ['provider'] as const, buckets: latencyBuckets, registers }),
    timeToFirstToken: new Histogram({ name: 'warden_time_to_first_token_seconds', help: 'Time from request to the first streamed byte', labelNames: ['model'] as const, buckets: latencyBuckets, registers }),
    recordCall(record) {
      const model = record.model ?? 'unknown';
      if (record.costInNanoUsd) {
        spend.inc({ model, provider: record.provider ?? 'unknown', team: record.team ?? '', key: record.keyId ?? '' }, record.costInNanoUsd / nanoUsdPerUsd);
      }
      const usage = record.usage;
      if (usage) {
        for (const [kind, count] of [
          ['input', usage.inputTokens],
          ['cache_read', usage.cacheReadTokens],
          ['cache_write', usage.cacheWriteTokens],
          ['output', usage.outputTokens],
          ['reasoning', usage.reasoningTokens],
        ] as const) {
          if (count > 0) tokens.inc({ model, kind }, count);
        }
      }
      if (record.data?.estimateExceeded === true) estimateExceeded.inc({ model });
    },
  };
}
