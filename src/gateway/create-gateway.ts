import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createCircuitBreaker } from '../core/circuit-breaker.js';
import type { Clock } from '../core/clock.js';
import type { WardenConfig } from '../core/config-schema.js';
import type { Store } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';
import { createWarden } from '../sdk/create-warden.js';
import { handleAdminRoute } from './admin-routes.js';
import { authenticateClient, presentedKey } from './authenticate-client.js';
import type { ModelRoute } from './call-attempt.js';
import type { GatewayContext } from './gateway-context.js';
import { silentLogger, type GatewayLogger } from './gateway-logger.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { handleModelRoute } from './handle-model-route.js';
import { InFlightCalls } from './in-flight-calls.js';
import { sendJson } from './json-response.js';
import { createTaskLimits } from './task-limits.js';
import { createKillSwitches, killSwitchError } from './kill-switches.js';
import { sendModelList } from './list-models.js';
import { createUpstreamSelector } from './select-upstream.js';
import { sendError } from './send-error.js';
import { createUpstream, type Upstream } from './upstream.js';
import { createVirtualKeys } from './virtual-keys.js';
import { createControlPanel, type ControlPanel } from './ui-routes.js';
import type { AlertSink } from '../sdk/alert-sink.js';
import type { SloWatch } from '../sdk/watch-slos.js';

export interface CreateGatewayOptions {
  config: Readonly<WardenConfig>;
  store: Store;
  /** HMAC secret virtual keys are stored under. */
  secret: string;
  /** Opens /admin and /metrics; without it they answer 403. */
  adminKey?: string;
  /** Where the simulated provider's mock upstream listens, when the config has one. */
  simulatedUrl?: string;
  clock?: Clock;
  logger?: GatewayLogger;
  /** How often kill switches are reloaded from the store (other replicas, the CLI). */
  controlRefreshInMs?: number;
  random?: () => number;
  /** Read-only logins to the control panel at /ui; default config.admin.viewerKeys. */
  viewerKeys?: ReadonlyArray<{ name: string; key: string }>;
  /** How often the control panel reads the state while someone watches; default 500 ms. */
  panelPollIntervalInMs?: number;
}

/** A gateway: a request handler for any `node:http` server, and its parts. */
export interface Gateway {
  handle(request: IncomingMessage, response: ServerResponse): void;
  readonly context: GatewayContext;
  /** The SLO watch (a round every alerts.evaluateEveryInSeconds), when some SLO needs watching. */
  readonly slos: SloWatch | undefined;
  /** Where budget-stage and SLO alerts go: the log, metrics and the configured webhooks. */
  readonly alerts: AlertSink;
  /** The control panel served at /ui. */
  readonly controlPanel: ControlPanel;
  /** Stops timers and closes upstream connections; the store stays open (its owner closes it). */
  close(): Promise<void>;
}

const modelRoutes: ReadonlyMap<string, ModelRoute> = new Map([
  ['/v1/chat/completions', { path: '/v1/chat/completions', dialect: 'openai-chat', errorDialect: 'openai' }],
  ['/v1/responses', { path: '/v1/responses', dialect: 'openai-responses', errorDialect: 'openai' }],
  ['/v1/embeddings', { path: '/v1/embeddings', dialect: 'openai-embeddings', errorDialect: 'openai' }],
  ['/v1/messages', { path: '/v1/messages', dialect: 'anthropic-messages', errorDialect: 'anthropic' }],
]);

/**
 * Creates the OpenAI- and Anthropic-compatible gateway over a config and a store.
 * @example const gateway = createGateway({ config, store, secret }); http.createServer(gateway.handle).listen(4000);
 */
export function createGateway(options: CreateGatewayOptions): Gateway {
  const { config, store } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const logger = options.logger ?? silentLogger;
  const metrics = createGatewayMetrics();
  const warden = createWarden({
    config,
    store,
    clock,
    ...(options.random ? { random: options.random } : {}),
    hooks: {
      onError: (error) => logger.error({ err: error }, 'ledger write failed'),
      onShadow: (event) => metrics.shadowDecisions.inc({ kind: event.kind, scope: event.scope }),
    },
    onAlert: (alert) => {
      metrics.alerts.inc({ kind: alert.kind, severity: alert.severity });
      logger[alert.severity === 'info' ? 'info' : 'warn']({ alert: { kind: alert.kind, severity: alert.severity, ...alert.data } }, alert.text);
    },
    onAlertDeliveryError: (error, webhook) => logger.warn({ err: error, webhook }, 'alert webhook delivery failed'),
  });
  const upstreams = new Map<string, Upstream>(
    Object.entries(config.providers).map(([name, provider]) => [
      name,
      createUpstream({ name, config: provider, timeouts: config.upstream, ...(options.simulatedUrl === undefined ? {} : { simulatedUrl: options.simulatedUrl }) }),
    ]),
  );
  const adminDigest = options.adminKey === undefined ? undefined : digest(options.adminKey);
  const context: GatewayContext = {
    config,
    runtime: warden.runtime,
    store,
    clock,
    keys: createVirtualKeys({ store, secret: options.secret, clock }),
    killSwitches: createKillSwitches({ store, clock }),
    taskLoops: warden.runtime.taskLoops,
    taskLimits: createTaskLimits({ config, store, clock }),
    approvals: warden.runtime.approvals,
    upstreams,
    breaker: createCircuitBreaker({ ...config.circuitBreaker, clock }),
    metrics,
    logger,
    inFlight: new InFlightCalls(),
    isAdminKey: (presented) => adminDigest !== undefined && timingSafeEqual(digest(presented), adminDigest),
  };
  const selectUpstream = createUpstreamSelector({ config, catalogue: warden.runtime.catalogue, upstreams });
  const controlPanel = createControlPanel({
    context,
    viewerKeys: options.viewerKeys ?? config.admin.viewerKeys,
    hasAdminKey: options.adminKey !== undefined,
    secureCookies: config.admin.secureCookies,
    ...(options.panelPollIntervalInMs === undefined ? {} : { pollIntervalInMs: options.panelPollIntervalInMs }),
  });
  context.killSwitches.onSet((killSwitch) => {
    context.inFlight.endWhere((call) => (context.killSwitches.match(call.scopes) === killSwitch ? killSwitchError(killSwitch) : undefined));
  });
  // While the store is away the refresh fails four times a second: log when that starts and ends.
  let refreshFailing = false;
  const refreshTimer = setInterval(() => {
    context.killSwitches.refresh().then(
      () => {
        if (refreshFailing) logger.info({}, 'kill switch refresh works again');
        refreshFailing = false;
      },
      (error: unknown) => {
        if (!refreshFailing) logger.warn({ err: error }, 'kill switch refresh failed; the last known switches stay in force until the store answers');
        refreshFailing = true;
      },
    );
  }, options.controlRefreshInMs ?? 250);
  refreshTimer.unref();
  // The first requests wait for the kill switches to be loaded; a failed load is retried by the timer.
  const ready = context.killSwitches.refresh().catch((error: unknown) => logger.warn({ err: error }, 'kill switch load failed'));

  const dispatch = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const target = request.url ?? '/';
    const queryStart = target.indexOf('?');
    const path = queryStart === -1 ? target : target.slice(0, queryStart);
    const method = request.method ?? 'GET';
    const modelRoute = modelRoutes.get(path);
    if (modelRoute && method === 'POST') {
      await ready;
      return handleModelRoute({ context, selectUpstream, route: modelRoute, request, response });
    }
    if (path.startsWith('/admin/') || path === '/admin') {
      return handleAdminRoute({ context, request, response, path, query: new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1)) });
    }
    if (method === 'GET' && path === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (method === 'GET' && path === '/readyz') return sendReadiness(context, response);
    if (method === 'GET' && path === '/metrics') return sendMetrics(context, request, response);
    if (method === 'GET' && (path === '/v1/models' || path === '/models')) {
      const key = await authenticateClient(context.keys, request.headers);
      return sendModelList({ config, key, request, response, nowInMs: clock.now() });
    }
    if (path === '/ui' || path.startsWith('/ui/')) return controlPanel.handle({ request, response, path });
    if (modelRoute) throw new WardenError('not_found', `${path} takes POST, not ${method}.`);
    throw new WardenError('not_found', `No route ${method} ${path}. Warden serves /v1/chat/completions, /v1/responses, /v1/embeddings, /v1/messages and /v1/models.`);
  };

  return {
    context,
    handle(request, response) {
      dispatch(request, response).catch((error: unknown) => {
        const dialect = request.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
        const requestId = randomUUID();
        if (!(error instanceof WardenError)) logger.error({ requestId, err: error }, 'internal error');
        sendError({ response, dialect, error, requestId });
      });
    },
    slos: warden.slos,
    alerts: warden.alerts,
    controlPanel,
    async close() {
      clearInterval(refreshTimer);
      controlPanel.close();
      warden.slos?.stop();
      await Promise.all([...upstreams.values()].map((upstream) => upstream.close()));
    },
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

async function sendReadiness(context: GatewayContext, response: ServerResponse): Promise<void> {
  const circuits = context.breaker.states().filter((state) => state.state !== 'closed').map((state) => ({ upstream: state.name, state: state.state }));
  const health = context.store.health?.();
  if (health !== undefined) {
    // Budgets down under fail-closed refuse every call: take this replica out of rotation. Anything
    // else down is degraded service (a local allowance, a spooling ledger) that still answers.
    const refusing = !health.budgets.up && health.budgets.policy === 'fail-closed';
    const status = refusing ? 'unavailable' : health.budgets.up && health.records.up ? 'ready' : 'degraded';
    return sendJson(response, refusing ? 503 : 200, { status, store: health, circuits });
  }
  try {
    await context.store.snapshot([]);
  } catch (error) {
    return sendJson(response, 503, { status: 'unavailable', store: error instanceof Error ? error.message : 'unreachable', circuits });
  }
  sendJson(response, 200, { status: 'ready', store: 'ok', circuits });
}

async function sendMetrics(context: GatewayContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const presented = presentedKey(request.headers);
  if (presented === undefined) throw new WardenError('unauthorized', '/metrics needs the admin key: scrape it with "Authorization: Bearer <admin key>" (Prometheus: authorization.credentials).');
  if (!context.isAdminKey(presented)) throw new WardenError('forbidden', '/metrics is open to the admin key only.');
  for (const state of context.breaker.states()) context.metrics.circuitOpen.set({ upstream: state.name }, state.state === 'open' ? 1 : 0);
  const health = context.store.health?.();
  if (health !== undefined) {
    for (const [part, partHealth] of [['budgets', health.budgets], ['ledger', health.records]] as const) {
      context.metrics.storeUp.set({ part, backend: partHealth.backend }, partHealth.up ? 1 : 0);
      context.metrics.storeWaiting.set({ part, backend: partHealth.backend }, partHealth.waiting);
    }
  }
  const text = await context.metrics.registry.metrics();
  response.writeHead(200, { 'content-type': context.metrics.registry.contentType });
  response.end(text);
}
