import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { Pool } from 'undici';
import { runSubject, upstreamUrlArgument } from './run-subject.js';
import { upstreamConnections } from './subject-names.js';

// Headers that describe one connection, not the message; a proxy must not forward them.
const hopByHopHeaders = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

function endToEndHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !hopByHopHeaders.has(name)) kept[name] = value;
  }
  return kept;
}

/** The physical floor: `node:http` in, an undici pool out, bodies piped both ways, no logic. */
await runSubject(async () => {
  const upstreamUrl = upstreamUrlArgument();
  const pool = new Pool(upstreamUrl, { connections: upstreamConnections, keepAliveTimeout: 30_000 });
  const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (request, response) => {
    pool
      .request({
        method: request.method === 'POST' ? 'POST' : 'GET',
        path: request.url ?? '/',
        headers: endToEndHeaders(request.headers) as Record<string, string | string[]>,
        body: request.method === 'POST' ? request : null,
      })
      .then(
        (upstream) => {
          response.writeHead(upstream.statusCode, endToEndHeaders(upstream.headers));
          pipeline(upstream.body, response, () => undefined);
        },
        (error: unknown) => {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(`bare proxy: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey: 'bench',
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
});
