import { createServer, type AddressInfo } from 'node:net';
import { runSubject, upstreamUrlArgument } from './run-subject.js';

/**
 * The Portkey gateway (`@portkey-ai/gateway` from npm), started in this process through its own
 * `start-server.js` (the package's bin) on a free port, `--headless`. Requests name the provider and
 * route to the mock with Portkey's headers: `x-portkey-provider: openai` and
 * `x-portkey-custom-host: <mock>/v1` (Portkey's default trusted custom hosts include 127.0.0.1).
 */
await runSubject(async () => {
  const upstreamUrl = upstreamUrlArgument();
  const port = await freePort();
  silenceStdout();
  giveUpstreamAnswersMutableHeaders();
  process.argv = [process.argv[0] ?? 'node', process.argv[1] ?? 'portkey-subject.js', `--port=${port}`, '--headless'];
  // Its top-level await returns once the server listens (after a one-second start-up banner).
  const startServer: string = '@portkey-ai/gateway/build/start-server.js';
  await import(startServer);
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey: 'bench',
    headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamUrl}/v1` },
    // start-server.js keeps no handle to its server: the process ends instead.
    async close() {
      setImmediate(() => process.exit(0));
    },
  };
});

/**
 * Portkey 1.15 on Node answers every stream with 500 "Something went wrong": it appends its
 * `x-portkey-*` headers to the upstream's fetch Response, whose headers are immutable under
 * @hono/node-server's Response (Portkey issues #1389 and #1550). Re-wrapping each upstream answer in
 * Node's own Response gives it mutable headers; the body streams through untouched, for a few µs a call.
 */
function giveUpstreamAnswersMutableHeaders(): void {
  const nativeFetch = globalThis.fetch;
  // Captured before Portkey's server replaces the global Response with its own.
  const NativeResponse = globalThis.Response;
  globalThis.fetch = async (input, init) => {
    const response = await nativeFetch(input, init);
    return new NativeResponse(response.body, response);
  };
}

/** A port nothing listens on now (a tiny race with other processes is accepted). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Portkey clears the terminal and draws a spinner on stdout; the bench's own output stays readable without it. */
function silenceStdout(): void {
  console.clear = () => undefined;
  console.log = () => undefined;
  console.info = () => undefined;
  process.stdout.write = (() => true) as typeof process.stdout.write;
}
