import type { IncomingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import type { ProviderConfig } from '../core/gateway-config-schema.js';
import type { Dialect } from '../providers/estimate-input-tokens.js';
import { WardenError } from '../core/warden-error.js';
import { redactCredential } from './redact-credential.js';

/** The wire API family an upstream speaks natively. */
export type UpstreamFamily = 'openai' | 'anthropic';

export interface UpstreamRequest {
  dialect: Dialect;
  body: string;
  clientHeaders: IncomingHttpHeaders;
  signal: AbortSignal;
}

/** One configured provider: where its URL and key live, and what it can serve. */
export interface Upstream {
  name: string;
  type: ProviderConfig['type'];
  /** The provider id the price catalogue files its models under, when it has one. */
  priceProvider: string | undefined;
  /** True when a request in `dialect` can go to this upstream as it is. */
  speaks(dialect: Dialect): boolean;
  send(request: UpstreamRequest): Promise<Dispatcher.ResponseData>;
  /** Text the upstream sent back, with the API key Warden sent it cut out (an error body may echo it). */
  withoutCredentials(text: string): string;
  close(): Promise<void>;
}

export interface UpstreamTimeouts {
  headersTimeoutInMs: number;
  bodyTimeoutInMs: number;
  connectTimeoutInMs: number;
  connections: number;
}

const pathForDialect: Readonly<Record<Dialect, string>> = {
  'openai-chat': '/chat/completions',
  'openai-responses': '/responses',
  'openai-embeddings': '/embeddings',
  'anthropic-messages': '/v1/messages',
};

/**
 * An upstream over a keep-alive undici pool. The URL and credentials come from config only:
 * nothing in a client's request can change where it is sent.
 */
export function createUpstream(options: { name: string; config: ProviderConfig; timeouts: UpstreamTimeouts; simulatedUrl?: string }): Upstream {
  const { name, config, timeouts } = options;
  const base = new URL(config.type === 'simulated' ? `${requireUrl(options.simulatedUrl)}/v1` : config.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  // Anthropic's base has no /v1 (its paths carry it); the simulated upstream serves both families.
  const anthropicBasePath = config.type === 'simulated' ? basePath.replace(/\/v1$/, '') : basePath;
  const pool = new Pool(base.origin, {
    connections: timeouts.connections,
    headersTimeout: timeouts.headersTimeoutInMs,
    bodyTimeout: timeouts.bodyTimeoutInMs,
    connect: { timeout: timeouts.connectTimeoutInMs },
    keepAliveTimeout: 30_000,
  });
  const family: UpstreamFamily | 'both' = config.type === 'anthropic' ? 'anthropic' : config.type === 'simulated' ? 'both' : 'openai';

  return {
    name,
    type: config.type,
    priceProvider: config.type === 'openai' || config.type === 'anthropic' ? config.type : undefined,
    speaks(dialect) {
      if (family === 'both') return true;
      return family === 'anthropic' ? dialect === 'anthropic-messages' : dialect !== 'anthropic-messages';
    },
    send(request) {
      const anthropic = request.dialect === 'anthropic-messages';
      const path = `${anthropic ? anthropicBasePath : basePath}${pathForDialect[request.dialect]}`;
      return pool.request({
        method: 'POST',
        path,
        headers: upstreamHeaders({ config, anthropic, clientHeaders: request.clientHeaders }),
        body: request.body,
        signal: request.signal,
      });
    },
    withoutCredentials: (text) => ('apiKey' in config && config.apiKey !== undefined ? redactCredential(text, config.apiKey) : text),
    close: () => pool.close(),
  };
}

function upstreamHeaders(options: { config: ProviderConfig; anthropic: boolean; clientHeaders: IncomingHttpHeaders }): Record<string, string> {
  const { config, anthropic, clientHeaders } = options;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (anthropic) {
    headers['anthropic-version'] = firstHeader(clientHeaders['anthropic-version']) ?? '2023-06-01';
    const beta = firstHeader(clientHeaders['anthropic-beta']);
    if (beta !== undefined) headers['anthropic-beta'] = beta;
  }
  if (config.type === 'anthropic') headers['x-api-key'] = config.apiKey;
  else if (config.type === 'openai' || (config.type === 'openai-compatible' && config.apiKey)) headers.authorization = `Bearer ${config.apiKey}`;
  else if (config.type === 'simulated') {
    headers.authorization = 'Bearer simulated';
    // The simulation's controls (latency, faults) are safe to pass on: it is Warden's own mock.
    for (const [header, value] of Object.entries(clientHeaders)) {
      if (header.startsWith('x-mock-') && typeof value === 'string') headers[header] = value;
    }
  }
  return headers;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function requireUrl(url: string | undefined): string {
  if (url === undefined) throw new WardenError('invalid_config', 'The simulated provider needs its mock upstream running: pass simulatedUrl to createGateway.');
  return url;
}
