import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadPanelAssets, type PanelAsset } from '../dashboard/panel-assets.js';
import { WardenError } from '../core/warden-error.js';
import { clearKillSwitch, decideApproval, resumeTask, setKillSwitch } from './admin-actions.js';
import { decodePathPart } from './decode-path-part.js';
import type { GatewayContext } from './gateway-context.js';
import { sendJson } from './json-response.js';
import { parseKillTarget } from './kill-switches.js';
import { parseJsonObject, readBody } from './read-body.js';
import { sendError } from './send-error.js';
import { streamPanelEvents, stateJson, type PanelStreamStats } from './ui-events.js';
import { checkSameOrigin, createUiSessions, type UiSession, type UiSessions } from './ui-session.js';
import { createPanelStateSource, type PanelStateSource } from './ui-state-source.js';

/** The control panel at /ui: login, the page and its assets, the state API and its event stream, operator actions. */
export interface ControlPanel {
  handle(options: { request: IncomingMessage; response: ServerResponse; path: string }): Promise<void>;
  readonly sessions: UiSessions;
  readonly source: PanelStateSource;
  readonly stats: PanelStreamStats;
  close(): void;
}

export interface ControlPanelOptions {
  context: GatewayContext;
  viewerKeys: ReadonlyArray<{ name: string; key: string }>;
  /** Whether an admin key is configured (else only viewers can log in). */
  hasAdminKey: boolean;
  secureCookies: boolean;
  /** How often the state is read while someone watches. Default 500 ms. */
  pollIntervalInMs?: number;
}

const bodyLimitInBytes = 16 * 1024;
const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  // Not no-referrer: under it, browsers send "Origin: null" on form posts, and the login's origin check needs the real one.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/**
 * Creates the control panel over the gateway's context.
 * @example const panel = createControlPanel({ context, viewerKeys: config.admin.viewerKeys, hasAdminKey: true, secureCookies: false });
 */
export function createControlPanel(options: ControlPanelOptions): ControlPanel {
  const { context } = options;
  if (options.viewerKeys.some((viewer) => context.isAdminKey(viewer.key))) {
    throw new WardenError('invalid_config', 'A viewer key (admin.viewerKeys or WARDEN_VIEWER_KEY) equals the admin key, so it would log in as an operator; give viewers keys of their own.');
  }
  const sessions = createUiSessions({ clock: context.clock, isAdminKey: context.isAdminKey, viewerKeys: options.viewerKeys, secureCookies: options.secureCookies });
  const source = createPanelStateSource({ context, ...(options.pollIntervalInMs === undefined ? {} : { pollIntervalInMs: options.pollIntervalInMs }), onError: (error) => context.logger.warn({ err: error }, 'control panel state read failed; retried at the next poll') });
  const stats: PanelStreamStats = { streams: 0, stateMessages: 0, patchMessages: 0, bytes: 0, transferredBytes: 0 };
  let assets: Promise<ReadonlyMap<string, PanelAsset>> | undefined;
  const asset = async (name: string): Promise<PanelAsset | undefined> => {
    assets ??= loadPanelAssets();
    return (await assets).get(name);
  };
  const loginsOpen = options.viewerKeys.length > 0 || options.hasAdminKey;

  const sendAsset = async (request: IncomingMessage, response: ServerResponse, name: string, status = 200, replace?: string): Promise<void> => {
    const found = await asset(name);
    if (found === undefined) throw new WardenError('not_found', `No panel asset ${name}.`);
    const cacheable = replace === undefined;
    if (cacheable && request.headers['if-none-match'] === found.etag) {
      response.writeHead(304, { etag: found.etag });
      response.end();
      return;
    }
    const gzip = cacheable && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    const body = replace !== undefined ? Buffer.from(found.body.toString('utf8').replace('<!--message-->', replace)) : gzip ? found.gzipped : found.body;
    response.writeHead(status, {
      'content-type': found.contentType,
      'content-length': body.length,
      'cache-control': name.endsWith('.html') ? 'no-store' : 'no-cache',
      ...(cacheable ? { etag: found.etag } : {}),
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      vary: 'accept-encoding',
    });
    response.end(body);
  };
  const redirect = (response: ServerResponse, location: string, cookies: string[] = []): void => {
    response.writeHead(303, { location, 'cache-control': 'no-store', ...(cookies.length === 0 ? {} : { 'set-cookie': cookies }) });
    response.end();
  };

  const login = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    checkSameOrigin(request);
    const text = (await readBody(request, bodyLimitInBytes)).toString('utf8');
    const form = String(request.headers['content-type'] ?? '').includes('application/json') ? new URLSearchParams(Object.entries(parseJsonObject(text)).map(([name, value]): [string, string] => [name, String(value)])) : new URLSearchParams(text);
    const session = sessions.login({ key: form.get('key') ?? '', name: form.get('name') ?? '', remoteAddress: request.socket.remoteAddress ?? 'unknown' });
    if (session === undefined) {
      const message = loginsOpen ? 'That key is neither the admin key nor a viewer key.' : 'No key opens the panel: configure admin.key (or WARDEN_ADMIN_KEY) or admin.viewerKeys.';
      return sendAsset(request, response, 'login.html', 401, `<p class="error" role="alert">${message}</p>`);
    }
    context.logger.info({ ui: { role: session.role, name: session.name } }, 'control panel login');
    redirect(response, '/ui', sessions.cookiesFor(session));
  };

  const requireSession = (request: IncomingMessage): UiSession => {
    const session = sessions.find(request);
    if (session === undefined) throw new WardenError('unauthorized', 'Log in to the control panel at /ui/login first (your session may have expired).');
    return session;
  };
  const requireOperator = (request: IncomingMessage): UiSession => {
    const session = requireSession(request);
    sessions.checkStateChange(request, session);
    if (session.role !== 'operator') throw new WardenError('forbidden', `${session.name} is a viewer: viewers may look, not act. Log in with the admin key to kill, unkill, resume or decide approvals.`);
    return session;
  };

  const action = async (request: IncomingMessage, response: ServerResponse, path: string): Promise<void> => {
    const session = requireOperator(request);
    const by = `ui:${session.name}`;
    const text = (await readBody(request, bodyLimitInBytes)).toString('utf8');
    const body = text.trim() === '' ? {} : parseJsonObject(text);
    const reason = typeof body.reason === 'string' ? body.reason : '';
    if (path === '/ui/api/kill-switches') return sendJson(response, 201, { killSwitch: await setKillSwitch(context, { target: parseKillTarget(body.target), reason, by }) });
    if (path === '/ui/api/kill-switches/clear') return sendJson(response, 200, { cleared: await clearKillSwitch(context, { target: parseKillTarget(body.target), by }) });
    const decide = /^\/ui\/api\/approvals\/([^/]+)\/(approve|deny)$/.exec(path);
    if (decide) return sendJson(response, 200, { approval: await decideApproval(context, { id: decodePathPart(decide[1] as string), approve: decide[2] === 'approve', by, ...(reason === '' ? {} : { reason }) }) });
    const resume = /^\/ui\/api\/tasks\/(.+)\/resume$/.exec(path);
    if (resume) return sendJson(response, 200, { resumed: await resumeTask(context, { taskId: decodePathPart(resume[1] as string), by }) });
    throw new WardenError('not_found', `No control panel action ${path}.`);
  };

  const route = async (request: IncomingMessage, response: ServerResponse, path: string): Promise<void> => {
    const method = request.method ?? 'GET';
    if (method === 'GET' && path.startsWith('/ui/assets/')) return sendAsset(request, response, path.slice('/ui/assets/'.length));
    if (method === 'GET' && (path === '/ui' || path === '/ui/')) {
      if (sessions.find(request) === undefined) return redirect(response, '/ui/login');
      return sendAsset(request, response, 'index.html');
    }
    if (method === 'GET' && path === '/ui/login') {
      if (sessions.find(request) !== undefined) return redirect(response, '/ui');
      return sendAsset(request, response, 'login.html', 200, '');
    }
    if (method === 'POST' && path === '/ui/login') return login(request, response);
    if (method === 'POST' && path === '/ui/logout') {
      const session = sessions.find(request);
      if (session !== undefined) {
        sessions.checkStateChange(request, session);
        sessions.logout(session);
      }
      response.setHeader('set-cookie', sessions.clearedCookies());
      return sendJson(response, 200, { loggedOut: true }, { 'cache-control': 'no-store' });
    }
    if (method === 'GET' && path === '/ui/api/state') {
      const session = requireSession(request);
      const snapshot = await source.current();
      const body = Buffer.from(`{"session":${JSON.stringify({ role: session.role, name: session.name })},"version":${snapshot.version},"state":${stateJson(snapshot)}}`);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'no-store' });
      response.end(body);
      return;
    }
    if (method === 'GET' && path === '/ui/api/events') return streamPanelEvents({ request, response, session: requireSession(request), sessions, source, stats });
    if (method === 'POST' && path.startsWith('/ui/api/')) return action(request, response, path);
    throw new WardenError('not_found', `No control panel route ${method} ${path}; open /ui.`);
  };

  return {
    async handle({ request, response, path }) {
      for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
      try {
        await route(request, response, path);
      } catch (error) {
        if (!(error instanceof WardenError)) context.logger.error({ err: error }, 'control panel error');
        sendError({ response, dialect: 'openai', error, requestId: randomUUID() });
      }
    },
    sessions,
    source,
    stats,
    close() {
      source.stop();
      sessions.clear();
    },
  };
}
