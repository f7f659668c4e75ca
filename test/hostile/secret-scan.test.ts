import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../src/cli/serve.js';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';

/*
 * Issue 9, "Secrets": provider keys, virtual keys, the admin key (and the viewer key and the HMAC
 * secret virtual keys are stored under) never appear in logs, error bodies, metrics, the ledger or
 * the control panel. One full scenario runs against the real `warden serve` process (built CLI,
 * JSON logs at debug level, SQLite in a scratch directory) with recognisable keys, and every byte
 * it produced is scanned for each secret and for every 12-character piece of one (a partial echo
 * is a leak too).
 *
 * What may show a secret, decided here on purpose:
 * - A virtual key's plaintext is shown once, in the answer that creates it (POST /admin/keys,
 *   `warden keys create`). Those outputs may show that one key, and nothing else secret.
 * - Warden displays a virtual key's first 9 characters (`wk-` and 6 more, then "…") as its
 *   `prefix`, in key lists, the `key-create` ledger row and the panel, so a person can tell keys
 *   apart. 9 characters are under the 12-character fragment, so the scan does not trip on it; the
 *   test asserts the prefix is exactly that, so a longer one would fail here.
 * - The HMAC secret lives in `warden.db.secret` (mode 0600) beside the database, and only there.
 * - The database holds each virtual key's HMAC-SHA256, never the key.
 * Warden has no tracing (no OpenTelemetry), so there are no traces to scan.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const fragmentLength = 12;
const displayedPrefixLength = 9;

const canary = (prefix: string): string => `${prefix}${randomBytes(18).toString('hex')}`;
const providerKeys = {
  'openai provider key': canary('sk-proj-CANARY-PROVIDER-'),
  'anthropic provider key': canary('sk-ant-api03-CANARY-'),
  'rejected openai provider key': canary('sk-proj-CANARY-REJECTED-'),
  'echoing provider key': canary('sk-CANARY-ECHOED-'),
  'echoing anthropic provider key': canary('sk-ant-CANARY-ECHOED-'),
};
const adminKey = canary('CANARY-ADMIN-');
const viewerKey = canary('CANARY-VIEWER-');
/** The last character changed: shares every 12-character piece but the last with the real key. */
const nearMiss = (key: string): string => `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;

const hello = [{ role: 'user' as const, content: 'Write a haiku about budgets.' }];

interface Output {
  name: string;
  text: string;
  /** Secrets (by name) this output is meant to show: a virtual key in the answer that creates it. */
  mayShow?: readonly string[];
}

interface Captured {
  status: number;
  body: string;
  headers: Headers;
}

/** Everything the scenario saw come out of Warden, and the secrets it must not contain. */
class Evidence {
  readonly outputs: Output[] = [];
  readonly secrets = new Map<string, string>();
  private readonly pending: Array<Promise<unknown>> = [];

  add(output: Output): void {
    this.outputs.push(output);
  }

  /** Reads a response whole (status, every header including Set-Cookie, body) into the evidence. */
  async capture(name: string, response: Response, mayShow?: readonly string[]): Promise<Captured> {
    const body = await response.text();
    const headerLines = [...response.headers].map(([header, value]) => `${header}: ${value}`);
    const cookies = response.headers.getSetCookie().map((cookie) => `set-cookie: ${cookie}`);
    this.add({ name, text: [`HTTP ${response.status}`, ...headerLines, ...cookies, '', body].join('\n'), ...(mayShow ? { mayShow } : {}) });
    return { status: response.status, body, headers: response.headers };
  }

  /** A fetch for the official clients that records every answer they get, streams included. */
  recordingFetch(label: string): typeof fetch {
    return async (input, init) => {
      const response = await fetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      this.pending.push(this.capture(`${label}: ${init?.method ?? 'GET'} ${new URL(url).pathname}`, response.clone()));
      return response;
    };
  }

  async settle(): Promise<void> {
    await Promise.all(this.pending);
  }
}

/** Every place a secret (or a 12-character piece of one) shows in the outputs, minus what each may show. */
function findLeaks(outputs: readonly Output[], secrets: ReadonlyMap<string, string>): string[] {
  const fragments = new Map<string, string>();
  for (const [name, value] of secrets) {
    for (let start = 0; start + fragmentLength <= value.length; start += 1) {
      const fragment = value.slice(start, start + fragmentLength);
      const known = fragments.get(fragment);
      fragments.set(fragment, known === undefined || known === name ? name : `${known} or ${name}`);
    }
  }
  const leaks: string[] = [];
  for (const output of outputs) {
    const shown = new Set<string>();
    for (let start = 0; start + fragmentLength <= output.text.length; start += 1) {
      const name = fragments.get(output.text.slice(start, start + fragmentLength));
      if (name === undefined || shown.has(name) || output.mayShow?.includes(name)) continue;
      shown.add(name);
      leaks.push(`${output.name} shows the ${name}: …${output.text.slice(Math.max(0, start - 40), start + 60).replace(/\s+/g, ' ')}…`);
    }
  }
  return leaks;
}

/**
 * An OpenAI-compatible and Anthropic upstream that refuses every call with the status its model
 * name ends in (`leaky-400` → 400) and echoes the credential Warden sent, whole, in its error body
 * (or, for 422, its first 24 characters) and in a header: the worst a provider, or a proxy in
 * front of one, could do.
 */
async function startEchoingUpstream(): Promise<{ url: string; presented: string[]; close(): Promise<void> }> {
  const presented: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const model = String((JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { model?: unknown }).model ?? '');
      const status = Number(/(\d{3})$/.exec(model)?.[1] ?? 500);
      const key = credentialOf(request.headers);
      presented.push(key);
      // 422s echo only the first 24 characters, as some providers print a key's start.
      const message = `Incorrect API key provided: ${status === 422 ? `${key.slice(0, 24)}…` : key}. You can find your API key at https://example.invalid/keys.`;
      const body = request.url === '/v1/messages' ? { type: 'error', error: { type: 'invalid_request_error', message } } : { error: { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } };
      response.writeHead(status, { 'content-type': 'application/json', 'x-echo-key': key });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    presented,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function credentialOf(headers: IncomingHttpHeaders): string {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string') return apiKey;
  return (headers.authorization ?? '').replace(/^Bearer\s+/i, '');
}

/** Reads the panel's event stream until its first full `state` event, then hangs up. */
async function readPanelEvents(url: string, cookie: string): Promise<{ status: number; headers: Headers; text: string }> {
  const controller = new AbortController();
  const response = await fetch(`${url}/ui/api/events`, { headers: { cookie }, signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!/event: state\ndata: [^\n]*\n\n/.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return { status: response.status, headers: response.headers, text };
}

/** Every file under a directory, read whole (the SQLite file, its -wal and -shm, anything else written there). */
function filesUnder(directory: string, label: string): Output[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .map((name) => join(directory, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ name: `${label}: ${path.slice(directory.length + 1)}`, text: readFileSync(path).toString('latin1') }));
}

interface Scenario {
  evidence: Evidence;
  directory: string;
  /** Virtual keys by name, as created. */
  virtualKeys: Map<string, { key: string; id: string }>;
  hmacSecret: string;
  secretFileMode: number;
  sessionCookie: string;
  csrfCookie: string;
  statuses: Map<string, { status: number; code?: string }>;
  echoed: string[];
  mockKeys: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  ledgerTypes: Set<string>;
}

let scenario: Scenario;
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` before this test (it starts the built \`warden serve\`).`);
  scenario = await runScenario();
}, 240_000);

async function runScenario(): Promise<Scenario> {
  const evidence = new Evidence();
  for (const [name, value] of Object.entries(providerKeys)) evidence.secrets.set(name, value);
  evidence.secrets.set('admin key', adminKey);
  evidence.secrets.set('viewer key', viewerKey);
  const statuses = new Map<string, { status: number; code?: string }>();
  const note = (name: string, captured: Captured): Captured => {
    // Error bodies are JSON objects; pages, metrics and empty redirects carry no code.
    const code = captured.body.startsWith('{') ? (JSON.parse(captured.body) as { error?: { code?: string } }).error?.code : undefined;
    statuses.set(name, { status: captured.status, ...(code === undefined ? {} : { code }) });
    return captured;
  };

  const directory = mkdtempSync(join(tmpdir(), 'warden-secret-scan-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const mock: MockUpstream = await createMockUpstream({ promptCaching: false, apiKeys: [providerKeys['openai provider key'], providerKeys['anthropic provider key']] });
  cleanups.push(() => mock.close());
  const echoing = await startEchoingUpstream();
  cleanups.push(() => echoing.close());

  const leakyModels = ['leaky-400', 'leaky-401', 'leaky-403', 'leaky-422', 'leaky-429', 'leaky-500'];
  const leakyClaude = ['claude-leaky-400', 'claude-leaky-401'];
  const config = {
    server: { host: '127.0.0.1', port: 0, sqlitePath: join(directory, 'warden.db') },
    logging: { level: 'debug', requests: true },
    providers: {
      openai: { type: 'openai', baseUrl: `${mock.url}/v1`, apiKey: '${OPENAI_API_KEY}' },
      anthropic: { type: 'anthropic', baseUrl: mock.url, apiKey: '${ANTHROPIC_API_KEY}' },
      'openai-rejected': { type: 'openai', baseUrl: `${mock.url}/v1`, apiKey: '${REJECTED_OPENAI_API_KEY}', models: ['gpt-4.1-nano'] },
      echoing: { type: 'openai-compatible', baseUrl: `${echoing.url}/v1`, apiKey: '${ECHOING_API_KEY}', models: leakyModels },
      'echoing-anthropic': { type: 'anthropic', baseUrl: echoing.url, apiKey: '${ECHOING_ANTHROPIC_API_KEY}', models: leakyClaude },
    },
    prices: { overrides: Object.fromEntries([...leakyModels, ...leakyClaude].map((model) => [model, { input: 1, output: 2 }])) },
    budgets: [{ scope: 'team:*', window: 'day', hard: '50' }],
    retry: { maxRetries: 1, initialDelayInMs: 1, maxDelayInMs: 5 },
    circuitBreaker: { failureThreshold: 1000 },
    loopDetection: { repeatThreshold: 3, action: 'refuse' },
    toolPolicies: [{ name: 'release', appliesTo: { taskType: 'release' }, tools: [{ name: 'shell', commands: { allow: [{ pattern: 'git push ...', requireApproval: true }] } }] }],
    toolChecks: { approvalTimeoutInSeconds: 600 },
  };
  // The file names the environment variables only: no secret is written to disk by the test.
  const configPath = join(directory, 'warden.yaml');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    OPENAI_API_KEY: providerKeys['openai provider key'],
    ANTHROPIC_API_KEY: providerKeys['anthropic provider key'],
    REJECTED_OPENAI_API_KEY: providerKeys['rejected openai provider key'],
    ECHOING_API_KEY: providerKeys['echoing provider key'],
    ECHOING_ANTHROPIC_API_KEY: providerKeys['echoing anthropic provider key'],
    WARDEN_ADMIN_KEY: adminKey,
    WARDEN_VIEWER_KEY: viewerKey,
  };

  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [cli, 'serve', '--config', configPath], { cwd: directory, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`warden serve did not start within 30 s.\nstdout:\n${stdout}\nstderr:\n${stderr}`)), 30_000);
    const check = (): void => {
      const found = /listening on (http:\/\/[\d.:]+)/.exec(stdout)?.[1];
      if (found !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`warden serve exited with ${String(code)} before listening.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });

  const run = (args: string[], options: { env?: Record<string, string>; mayShow?: string[] } = {}): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [cli, ...args], { cwd: directory, env: { ...env, WARDEN_URL: url, ...options.env } }, (error, out, err) => {
        evidence.add({ name: `warden ${args.join(' ')}`, text: `${out}\n${err}`, ...(options.mayShow ? { mayShow: options.mayShow } : {}) });
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout: out, stderr: err });
      });
    });
  const call = async (name: string, path: string, options: { key?: string; body?: unknown; headers?: Record<string, string>; method?: string; mayShow?: string[] } = {}): Promise<Captured> => {
    const response = await fetch(`${url}${path}`, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers: { ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }), 'content-type': 'application/json', ...options.headers },
      ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
    return note(name, await evidence.capture(name, response, options.mayShow));
  };
  const virtualKeys = new Map<string, { key: string; id: string }>();
  const keep = (name: string, key: string, id: string): void => {
    virtualKeys.set(name, { key, id });
    evidence.secrets.set(`virtual key "${name}"`, key);
  };
  const createKey = async (name: string, body: Record<string, unknown>): Promise<{ key: string; id: string }> => {
    const created = await call(`POST /admin/keys (${name})`, '/admin/keys', { key: adminKey, body: { name, ...body }, mayShow: [`virtual key "${name}"`] });
    const { key, record } = JSON.parse(created.body) as { key: string; record: { id: string } };
    keep(name, key, record.id);
    return { key, id: record.id };
  };
  const clients = (name: string, key: string): { openai: OpenAI; anthropic: Anthropic } => ({
    openai: new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0, fetch: evidence.recordingFetch(`openai client (${name})`) }),
    anthropic: new Anthropic({ apiKey: key, baseURL: url, maxRetries: 0, fetch: evidence.recordingFetch(`anthropic client (${name})`) }),
  });
  const settleError = async (name: string, work: Promise<unknown>): Promise<void> => {
    const error = (await work.then(() => undefined, (caught: unknown) => caught)) as { status?: number; code?: string; error?: { code?: string; error?: { code?: string } } } | undefined;
    const code = error?.code ?? error?.error?.code ?? error?.error?.error?.code;
    statuses.set(name, { status: error?.status ?? 200, ...(code ? { code } : {}) });
  };

  // The control panel: log in first, so the event stream later shows the whole scenario.
  const login = async (name: string, key: string, as = ''): Promise<Captured> => {
    const response = await fetch(`${url}/ui/login`, { method: 'POST', redirect: 'manual', headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ key, name: as }).toString() });
    return note(name, await evidence.capture(name, response));
  };
  const operator = await login('panel login (admin key)', adminKey, 'ops');
  const cookies = new Map(operator.headers.getSetCookie().map((cookie) => (cookie.split(';')[0] as string).split('=') as [string, string]));
  const sessionCookie = cookies.get('warden_session') ?? '';
  const csrfCookie = cookies.get('warden_csrf') ?? '';
  const operatorCookie = `warden_session=${sessionCookie}; warden_csrf=${csrfCookie}`;
  const viewer = await login('panel login (viewer key)', viewerKey);
  const viewerCookie = viewer.headers.getSetCookie().map((cookie) => cookie.split(';')[0]).join('; ');
  await login('panel login (near-miss admin key)', nearMiss(adminKey));
  await login('panel login (near-miss viewer key)', nearMiss(viewerKey));
  const panelAction = (name: string, path: string, body: unknown): Promise<Captured> =>
    call(name, path, { body, headers: { cookie: operatorCookie, origin: url, 'x-warden-csrf': csrfCookie } });

  // Keys: through the admin API and the CLI (the only outputs allowed to show a plaintext).
  const research = await createKey('research', { team: 'research' });
  const pinned = await createKey('pinned', { team: 'research', models: ['gpt-4o-mini'] });
  const broke = await createKey('broke', { team: 'research', budgets: ['0.000001/day'] });
  const killed = await createKey('killed', { team: 'killed' });
  const release = await createKey('release', { team: 'release' });
  const cliCreated = await run(['keys', 'create', '--name', 'cli-agent', '--team', 'research', '--budget', '5/day', '--cache'], { mayShow: ['virtual key "cli-agent"'] });
  const cliKey = /^\s+(wk-\S+)$/m.exec(cliCreated.stdout)?.[1] ?? '';
  keep('cli-agent', cliKey, /Created key (key_[0-9a-f]+)/.exec(cliCreated.stdout)?.[1] ?? '');
  const doomedCreated = await run(['keys', 'create', '--name', 'doomed', '--team', 'research', '--json'], { mayShow: ['virtual key "doomed"'] });
  const doomed = JSON.parse(doomedCreated.stdout) as { key: string; record: { id: string } };
  keep('doomed', doomed.key, doomed.record.id);

  // Answers, JSON and streamed, through both official clients, as is and translated.
  const { openai, anthropic } = clients('research', research.key);
  await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
  for await (const _chunk of await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Stream a haiku.' }], stream: true, stream_options: { include_usage: true } }));
  await openai.responses.create({ model: 'gpt-4o-mini', input: 'Summarise the budget report.' });
  await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'budgets' });
  await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 40, messages: hello });
  await anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 40, messages: [{ role: 'user', content: 'Stream a limerick.' }] }).finalMessage();
  await openai.chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Translated to Anthropic.' }] });
  await anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 40, messages: [{ role: 'user', content: 'Translated to OpenAI.' }] });
  const cached = clients('cli-agent', cliKey).openai;
  await cached.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Cache me.' }] });
  await cached.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Cache me.' }] });
  await call('GET /v1/models', '/v1/models', { key: research.key });

  // Refusals: budget, model not allowed, kill switch, revoked key, bad and near-miss keys.
  await settleError('budget refusal', clients('broke', broke.key).openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }));
  await settleError('model not allowed', clients('pinned', pinned.key).anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 20, messages: hello }));
  await run(['kill', 'team:killed', '--reason', 'runaway agent']);
  await settleError('kill switch', clients('killed', killed.key).openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }));
  await run(['kills']);
  await run(['unkill', 'team:killed']);
  await run(['keys', 'revoke', doomed.record.id]);
  const chat = { model: 'gpt-4o-mini', messages: hello };
  await call('revoked key', '/v1/chat/completions', { key: doomed.key, body: chat });
  await call('unknown key', '/v1/chat/completions', { key: canary('wk-'), body: chat });
  await call('near-miss virtual key', '/v1/chat/completions', { key: nearMiss(research.key), body: chat });
  await call('near-miss virtual key (x-api-key)', '/v1/messages', { headers: { 'x-api-key': nearMiss(research.key), 'anthropic-version': '2023-06-01' }, body: { model: 'claude-haiku-4-5', max_tokens: 20, messages: hello } });
  await call('provider key as a client key', '/v1/chat/completions', { key: providerKeys['openai provider key'], body: chat });
  await call('admin key as a client key', '/v1/chat/completions', { key: adminKey, body: chat });
  await call('near-miss admin key on /admin/keys', '/admin/keys', { key: nearMiss(adminKey) });
  await call('virtual key on /admin/keys', '/admin/keys', { key: research.key });
  await call('near-miss admin key on /metrics', '/metrics', { key: nearMiss(adminKey) });
  await call('bad JSON', '/v1/chat/completions', { key: research.key, body: `{"model": "gpt-4o-mini", "api_key": "${adminKey}"` });

  // Upstream errors: a provider that rejects Warden's key, one that echoes it whole, and 5xx.
  await settleError('provider rejects the key', openai.chat.completions.create({ model: 'gpt-4.1-nano', messages: hello }));
  for (const model of leakyModels) {
    await call(`echoing upstream ${model}`, '/v1/chat/completions', { key: research.key, body: { model, messages: hello } });
    await call(`echoing upstream ${model} (stream)`, '/v1/chat/completions', { key: research.key, body: { model, messages: hello, stream: true } });
  }
  for (const model of leakyClaude) {
    await settleError(`echoing anthropic upstream ${model}`, anthropic.messages.create({ model, max_tokens: 20, messages: hello }));
    await call(`echoing anthropic upstream ${model} (translated)`, '/v1/chat/completions', { key: research.key, body: { model, messages: hello } });
  }
  mock.failNext(2, { type: 'server-error' });
  await settleError('upstream 500s', openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'This one fails.' }] }));

  // A loop, halted, then resumed from the panel.
  const looping = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Try the same thing again.' }] };
  for (let attempt = 0; attempt < 6 && statuses.get('loop detected')?.status !== 422; attempt += 1) {
    await call('loop detected', '/v1/chat/completions', { key: research.key, body: looping, headers: { 'x-warden-task': 'loop-1' } });
  }
  await panelAction('panel resume', '/ui/api/tasks/loop-1/resume', {});

  // Approvals: one approved with the CLI, one denied in the panel.
  mock.setBehavior({ toolCall: { name: 'shell', argumentsJson: '{"command":"git push origin main"}' } });
  const push = (task: string): Promise<Captured> =>
    call(`push (${task})`, '/v1/chat/completions', { key: release.key, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Ship it.' }] }, headers: { 'x-warden-task': task, 'x-warden-task-type': 'release' } });
  const approvalOf = async (task: string): Promise<string> => /apr_[0-9a-f]+/.exec((await push(task)).body)?.[0] ?? '';
  const approved = await approvalOf('release-1');
  await run(['approvals', 'list']);
  await run(['approvals', 'approve', approved, '--reason', 'release window open']);
  await push('release-1');
  const denied = await approvalOf('release-2');
  await panelAction('panel deny', `/ui/api/approvals/${denied}/deny`, { reason: 'not today' });
  await push('release-2');
  mock.setBehavior({ toolCall: undefined });
  await panelAction('panel kill', '/ui/api/kill-switches', { target: 'model:gpt-4.1-mini', reason: 'too dear' });
  await panelAction('panel unkill', '/ui/api/kill-switches/clear', { target: 'model:gpt-4.1-mini' });

  // Reads: admin API, metrics, health, the CLI, and every page, asset and stream of the panel.
  await call('POST /admin/tasks/loop-1/outcome', '/admin/tasks/loop-1/outcome', { key: adminKey, body: { outcome: 'failure', note: 'looped' } });
  await evidence.settle();
  const ledgerTypes = new Set<string>();
  const expectedTypes = ['reservation-commit', 'call-refuse', 'loop-detect', 'approval-request', 'approval-decide', 'kill-switch-set', 'kill-switch-clear', 'key-create', 'key-revoke', 'task-finish', 'cache-serve'];
  for (let attempt = 0; attempt < 50 && !expectedTypes.every((type) => ledgerTypes.has(type)); attempt += 1) {
    const rows = JSON.parse((await call('GET /admin/ledger', '/admin/ledger?limit=10000', { key: adminKey })).body) as { rows: Array<{ type: string }> };
    for (const row of rows.rows) ledgerTypes.add(row.type);
    if (!expectedTypes.every((type) => ledgerTypes.has(type))) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const path of ['/admin/keys', '/admin/approvals', '/admin/kill-switches', '/admin/upstreams', '/admin/reports?by=key', '/admin/reports?by=team', '/metrics']) await call(`GET ${path}`, path, { key: adminKey });
  for (const path of ['/healthz', '/readyz']) await call(`GET ${path}`, path);
  await run(['keys', 'list']);
  await run(['keys', 'list', '--json']);
  await run(['keys', 'list'], { env: { WARDEN_ADMIN_KEY: nearMiss(adminKey) } });
  await run(['report', '--url', url, '--by', 'key']);
  await run(['report', '--config', configPath, '--by', 'team', '--format', 'json']);
  await run(['report', '--config', configPath, '--by', 'model', '--format', 'csv']);
  await run(['approvals', 'list', '--config', configPath, '--json']);
  await run(['config', 'check', configPath]);

  for (const path of ['/ui', '/ui/login', '/ui/api/state']) await call(`GET ${path} (operator)`, path, { headers: { cookie: operatorCookie } });
  await call('GET /ui/api/state (viewer)', '/ui/api/state', { headers: { cookie: viewerCookie } });
  await call('GET /ui (no session)', '/ui');
  await call('GET /ui/login (no session)', '/ui/login');
  for (const asset of ['index.html', 'login.html', 'panel.css', 'panel.js', 'dom.js', 'patch.js', 'actions.js', 'charts.js', 'view-fleet.js', 'view-spend.js', 'view-budgets.js', 'view-routing.js', 'view-security.js', 'view-approvals.js', 'view-kills.js', 'uplot.js', 'uplot.css']) {
    await call(`GET /ui/assets/${asset}`, `/ui/assets/${asset}`, { headers: { cookie: operatorCookie } });
  }
  for (const [who, cookie] of [['operator', operatorCookie], ['viewer', viewerCookie]] as const) {
    const events = await readPanelEvents(url, cookie);
    evidence.add({ name: `GET /ui/api/events (${who})`, text: [`HTTP ${events.status}`, ...[...events.headers].map(([header, value]) => `${header}: ${value}`), '', events.text].join('\n') });
  }
  await call('POST /ui/logout', '/ui/logout', { body: {}, headers: { cookie: operatorCookie, origin: url, 'x-warden-csrf': csrfCookie } });

  // The files while the gateway runs (the -wal holds the latest pages), then after it stopped.
  evidence.outputs.push(...filesUnder(directory, 'file while running'));
  child.kill('SIGTERM');
  const exitCode = await exited;
  evidence.add({ name: 'warden serve stdout', text: stdout });
  evidence.add({ name: 'warden serve stderr', text: stderr });
  evidence.outputs.push(...filesUnder(directory, 'file after stop'));

  const secretPath = join(directory, 'warden.db.secret');
  const hmacSecret = readFileSync(secretPath, 'utf8').trim();
  return {
    evidence,
    directory,
    virtualKeys,
    hmacSecret,
    secretFileMode: statSync(secretPath).mode & 0o777,
    sessionCookie,
    csrfCookie,
    statuses,
    echoed: echoing.presented,
    mockKeys: mock.requests.map((request) => credentialOf(request.headers)),
    exitCode,
    stdout,
    stderr,
    ledgerTypes,
  };
}

describe('secrets never leave Warden (full scenario against `warden serve`)', () => {
  it('ran the whole scenario: answers, refusals, upstream failures, a loop, approvals and the panel', () => {
    const { statuses } = scenario;
    const status = (name: string): { status: number; code?: string } | undefined => statuses.get(name);
    expect(status('budget refusal')).toEqual({ status: 402, code: 'budget_exceeded' });
    expect(status('model not allowed')).toEqual({ status: 403, code: 'model_not_allowed' });
    expect(status('kill switch')).toEqual({ status: 403, code: 'kill_switch' });
    for (const name of ['revoked key', 'unknown key', 'near-miss virtual key', 'provider key as a client key', 'admin key as a client key']) expect(status(name), name).toEqual({ status: 401, code: 'unauthorized' });
    expect(status('near-miss virtual key (x-api-key)')?.status).toBe(401);
    for (const name of ['near-miss admin key on /admin/keys', 'virtual key on /admin/keys', 'near-miss admin key on /metrics']) expect(status(name), name).toEqual({ status: 403, code: 'forbidden' });
    expect(status('bad JSON')).toEqual({ status: 400, code: 'invalid_request' });
    expect(status('provider rejects the key')).toEqual({ status: 502, code: 'upstream_error' });
    for (const code of ['401', '403', '429', '500']) expect(status(`echoing upstream leaky-${code}`), code).toEqual({ status: 502, code: 'upstream_error' });
    // A 4xx about the request itself is relayed to the client: the echo must arrive without the key.
    expect(status('echoing upstream leaky-400')).toEqual({ status: 400, code: 'invalid_api_key' });
    expect(status('echoing upstream leaky-422 (stream)')).toEqual({ status: 422, code: 'invalid_api_key' });
    expect(status('echoing anthropic upstream claude-leaky-400')?.status).toBe(400);
    expect(status('echoing anthropic upstream claude-leaky-400 (translated)')?.status).toBe(400);
    expect(status('echoing anthropic upstream claude-leaky-401')).toEqual({ status: 502, code: 'upstream_error' });
    const bodyOf = (name: string): string => scenario.evidence.outputs.find((output) => output.name === name)?.text ?? '';
    for (const name of ['echoing upstream leaky-400', 'echoing upstream leaky-400 (stream)', 'echoing anthropic upstream claude-leaky-400 (translated)']) expect(bodyOf(name), name).toContain('Incorrect API key provided: [redacted].');
    expect(bodyOf('echoing upstream leaky-422')).toContain('Incorrect API key provided: [redacted]….');
    expect(status('upstream 500s')).toEqual({ status: 502, code: 'upstream_error' });
    expect(status('loop detected')).toEqual({ status: 422, code: 'loop_detected' });
    expect(status('push (release-1)')?.status).toBe(200);
    expect(status('push (release-2)')).toEqual({ status: 403, code: 'tool_not_allowed' });
    expect(status('panel login (admin key)')?.status).toBe(303);
    expect(status('panel login (viewer key)')?.status).toBe(303);
    expect(status('panel login (near-miss admin key)')?.status).toBe(401);
    expect(status('panel login (near-miss viewer key)')?.status).toBe(401);
    for (const name of ['panel resume', 'panel deny', 'panel unkill']) expect(status(name)?.status, name).toBe(200);
    expect(status('panel kill')?.status).toBe(201);
    expect([...scenario.ledgerTypes]).toEqual(expect.arrayContaining(['reservation-commit', 'call-refuse', 'loop-detect', 'approval-request', 'approval-decide', 'kill-switch-set', 'kill-switch-clear', 'key-create', 'key-revoke', 'task-finish', 'cache-serve']));
    expect(scenario.exitCode).toBe(0);
    expect(scenario.stdout).toContain('"msg":"request"');
    expect(scenario.stdout).toContain('"msg":"control panel login"');
  });

  it('sent the real provider keys upstream, so their absence from every output means something', () => {
    expect(scenario.mockKeys).toEqual(expect.arrayContaining([providerKeys['openai provider key'], providerKeys['anthropic provider key'], providerKeys['rejected openai provider key']]));
    expect(new Set(scenario.echoed)).toEqual(new Set([providerKeys['echoing provider key'], providerKeys['echoing anthropic provider key']]));
    // The scanner finds what it looks for: each creation answer shows its key, and a near miss of it.
    const created = scenario.evidence.outputs.filter((output) => output.mayShow !== undefined);
    expect(created.length).toBe(scenario.virtualKeys.size);
    for (const output of created) expect(findLeaks([{ name: output.name, text: output.text }], scenario.evidence.secrets)).not.toEqual([]);
    expect(findLeaks([{ name: 'probe', text: `…${nearMiss(adminKey)}…` }], scenario.evidence.secrets)).toEqual([expect.stringContaining('admin key')]);
  });

  it('shows no secret, whole or in 12-character pieces, in any output: logs, bodies, headers, metrics, ledger, panel, CLI, files', () => {
    const secrets = new Map(scenario.evidence.secrets);
    secrets.set('HMAC secret', scenario.hmacSecret);
    // The secret's own file is the one place it may be.
    const outputs = scenario.evidence.outputs.map((output) => (output.name.endsWith(': warden.db.secret') ? { ...output, mayShow: ['HMAC secret'] } : output));
    const names = new Set(outputs.map((output) => output.name.replace(/ \(.*\)$/, '')));
    for (const expected of ['warden serve stdout', 'GET /metrics', 'GET /admin/ledger', 'GET /ui/api/events', 'GET /ui/api/state', 'warden keys list', 'file while running: warden.db', 'file while running: warden.db-wal', 'file after stop: warden.db']) {
      expect([...names].some((name) => name.startsWith(expected)), `the scan covers ${expected}`).toBe(true);
    }
    expect(outputs.length).toBeGreaterThan(100);
    expect(findLeaks(outputs, secrets)).toEqual([]);
  });

  it('stores virtual keys only as HMAC-SHA256 under the secret, and shows only their 9-character prefix', () => {
    const database = new Database(join(scenario.directory, 'warden.db'), { readonly: true, fileMustExist: true });
    const rows = database.prepare('SELECT id, hash, key_json FROM virtual_keys').all() as Array<{ id: string; hash: string; key_json: string }>;
    database.close();
    expect(rows).toHaveLength(scenario.virtualKeys.size);
    for (const [name, { key, id }] of scenario.virtualKeys) {
      const row = rows.find((candidate) => candidate.id === id);
      expect(row?.hash, name).toBe(createHmac('sha256', scenario.hmacSecret).update(key).digest('hex'));
      const prefix = (JSON.parse(row?.key_json ?? '{}') as { prefix?: string }).prefix;
      expect(prefix).toBe(`${key.slice(0, displayedPrefixLength)}…`);
    }
    const keysList = scenario.evidence.outputs.find((output) => output.name === 'warden keys list')?.text ?? '';
    for (const [name, { key }] of scenario.virtualKeys) expect(keysList, name).toContain(`${key.slice(0, displayedPrefixLength)}…`);
    // The hashes stay in the database: no answer, log or CLI output carries one.
    const hashes = new Map(rows.map((row) => [`HMAC of ${row.id}`, row.hash]));
    const notFiles = scenario.evidence.outputs.filter((output) => !output.name.startsWith('file '));
    expect(findLeaks(notFiles, hashes)).toEqual([]);
  });

  it('keeps the HMAC secret in an owner-only file, and gives the panel a random session, never the admin key', () => {
    expect(scenario.secretFileMode).toBe(0o600);
    expect(scenario.hmacSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(scenario.sessionCookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(scenario.sessionCookie).not.toBe(adminKey);
    expect(scenario.csrfCookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(scenario.csrfCookie).not.toBe(scenario.sessionCookie);
  });
});

describe('the admin key from the environment', () => {
  it('is held to 16 characters like admin.key in the config, so a guessable one never opens /admin', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'warden-secret-scan-'));
    try {
      await expect(startGateway({ port: 0, sqlitePath: join(directory, 'warden.db'), quiet: true, env: { WARDEN_ADMIN_KEY: 'admin-123' } })).rejects.toThrow(
        'WARDEN_ADMIN_KEY must be at least 16 characters; generate one with `openssl rand -hex 24`.',
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
