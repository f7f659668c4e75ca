import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMockUpstreamHandler,
  type MockUpstreamHandler,
  type MockUpstreamHandlerOptions,
} from './create-mock-upstream-handler.js';

/** Options of `createMockUpstream`: the handler's, plus where to listen. */
export interface MockUpstreamOptions extends MockUpstreamHandlerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port, read it back from `port` or `url`. */
  port?: number;
}

/** A running mock upstream: its address, its controls and what it recorded. */
export interface MockUpstream extends Omit<MockUpstreamHandler, 'handle'> {
  /** `http://127.0.0.1:<port>`, without a trailing slash or `/v1`. */
  url: string;
  port: number;
  /** Stops listening and cuts every open connection, including requests left hanging by a timeout fault. */
  close(): Promise<void>;
}

/**
 * Starts a local server that speaks OpenAI (chat, responses, embeddings, models) and Anthropic
 * (messages) with deterministic text and usage, configurable latency, pacing and faults.
 * @example
 * const upstream = await createMockUpstream({ behavior: { outputTokens: 16 } });
 * const openai = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: 'test' });
 * const anthropic = new Anthropic({ baseURL: upstream.url, apiKey: 'test' });
 */
export async function createMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const { host = '127.0.0.1', port = 0, ...handlerOptions } = options;
  const handler = createMockUpstreamHandler(handlerOptions);
  const server = createServer({ noDelay: true }, handler.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    requests: handler.requests,
    get behavior() {
      return handler.behavior;
    },
    setBehavior: handler.setBehavior,
    setScript: handler.setScript,
    failNext: handler.failNext,
    reset: handler.reset,
    idle: handler.idle,
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
    },
  };
}
