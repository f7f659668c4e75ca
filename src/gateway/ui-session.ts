import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../core/clock.js';
import { WardenError } from '../core/warden-error.js';

/** Operators may also kill, unkill, resume, approve and deny; viewers only look. */
export type UiRole = 'operator' | 'viewer';

/** A signed-in person at /ui, held in this process's memory only. */
export interface UiSession {
  id: string;
  role: UiRole;
  /** Who, as the ledger records their actions: the viewer key's name, or the name an operator gave at login. */
  name: string;
  /** Sent back in the x-warden-csrf header (and readable in the warden_csrf cookie) on every state-changing request. */
  csrfToken: string;
  createdAtInMs: number;
  lastSeenAtInMs: number;
}

export interface UiSessions {
  /** A new session for the admin key (operator) or a viewer key; undefined for any other key. */
  login(options: { key: string; name?: string; remoteAddress?: string }): UiSession | undefined;
  /** The live session the request's cookie names (its idle timer restarts), or undefined. */
  find(request: IncomingMessage): UiSession | undefined;
  /** Throws unless a state-changing request comes from the panel itself: same origin and the session's CSRF token. */
  checkStateChange(request: IncomingMessage, session: UiSession): void;
  logout(session: UiSession): void;
  /** Calls `listener` when the session is logged out (its open event streams end at once); returns the unsubscribe. */
  onLogout(session: UiSession, listener: () => void): () => void;
  /** Set-Cookie values that start this session in the browser. */
  cookiesFor(session: UiSession): string[];
  /** Set-Cookie values that end any session in the browser. */
  clearedCookies(): string[];
  /** Ends every session (the gateway closes). */
  clear(): void;
}

export interface UiSessionsOptions {
  clock: Clock;
  isAdminKey(presented: string): boolean;
  viewerKeys: ReadonlyArray<{ name: string; key: string }>;
  /** Adds Secure to the cookies: set it when people reach the gateway over HTTPS (admin.secureCookies). */
  secureCookies: boolean;
  /** A session nobody used for this long ends. Default 30 minutes. */
  idleTimeoutInMs?: number;
  /** A session ends this long after login, used or not. Default 12 hours. */
  maxAgeInMs?: number;
}

export const sessionCookie = 'warden_session';
export const csrfCookie = 'warden_csrf';
export const csrfHeader = 'x-warden-csrf';
const failedLoginsAllowed = 10;
const failedLoginWindowInMs = 60_000;

/**
 * Sessions for the control panel: a random id in an HttpOnly, SameSite=Strict cookie scoped to
 * /ui, mapped in memory to the role. Each replica keeps its own sessions (route a person to one
 * replica, or log in again after a restart).
 */
export function createUiSessions(options: UiSessionsOptions): UiSessions {
  const { clock } = options;
  const idleTimeoutInMs = options.idleTimeoutInMs ?? 30 * 60_000;
  const maxAgeInMs = options.maxAgeInMs ?? 12 * 3_600_000;
  const sessions = new Map<string, UiSession>();
  const failures = new Map<string, number[]>();
  const logoutListeners = new Map<string, Set<() => void>>();
  const viewers = options.viewerKeys.map((viewer) => ({ name: viewer.name, digest: digest(viewer.key) }));
  const secure = options.secureCookies ? '; Secure' : '';

  const alive = (session: UiSession, nowInMs: number): boolean => nowInMs - session.lastSeenAtInMs < idleTimeoutInMs && nowInMs - session.createdAtInMs < maxAgeInMs;
  const sweep = (nowInMs: number): void => {
    for (const [id, session] of sessions) if (!alive(session, nowInMs)) sessions.delete(id);
  };

  return {
    login({ key, name, remoteAddress = 'unknown' }) {
      const nowInMs = clock.now();
      const recent = (failures.get(remoteAddress) ?? []).filter((atInMs) => nowInMs - atInMs < failedLoginWindowInMs);
      if (recent.length >= failedLoginsAllowed) throw new WardenError('forbidden', 'Too many failed logins from this address; wait a minute and try again.');
      const presented = digest(key);
      // Every viewer key is compared, so the time taken does not tell which one matched.
      const viewer = viewers.reduce<{ name: string } | undefined>((found, candidate) => (timingSafeEqual(candidate.digest, presented) ? candidate : found), undefined);
      const role: UiRole | undefined = options.isAdminKey(key) ? 'operator' : viewer !== undefined ? 'viewer' : undefined;
      if (role === undefined) {
        failures.set(remoteAddress, [...recent, nowInMs]);
        return undefined;
      }
      failures.delete(remoteAddress);
      sweep(nowInMs);
      const session: UiSession = {
        id: randomBytes(32).toString('base64url'),
        role,
        name: role === 'viewer' ? (viewer as { name: string }).name : cleanName(name) ?? 'admin',
        csrfToken: randomBytes(32).toString('base64url'),
        createdAtInMs: nowInMs,
        lastSeenAtInMs: nowInMs,
      };
      sessions.set(session.id, session);
      return session;
    },
    find(request) {
      const id = cookieValue(request.headers.cookie, sessionCookie);
      if (id === undefined) return undefined;
      const session = sessions.get(id);
      const nowInMs = clock.now();
      if (session === undefined || !alive(session, nowInMs)) {
        sessions.delete(id);
        return undefined;
      }
      session.lastSeenAtInMs = nowInMs;
      return session;
    },
    checkStateChange(request, session) {
      checkSameOrigin(request);
      const header = request.headers[csrfHeader];
      const cookie = cookieValue(request.headers.cookie, csrfCookie);
      if (typeof header !== 'string' || cookie === undefined || !equalText(header, session.csrfToken) || !equalText(cookie, session.csrfToken)) {
        throw new WardenError('forbidden', `This change needs the panel's CSRF token in the ${csrfHeader} header; reload /ui and try again.`);
      }
    },
    logout(session) {
      sessions.delete(session.id);
      const listeners = logoutListeners.get(session.id);
      logoutListeners.delete(session.id);
      for (const listener of listeners ?? []) listener();
    },
    onLogout(session, listener) {
      const listeners = logoutListeners.get(session.id) ?? new Set();
      listeners.add(listener);
      logoutListeners.set(session.id, listeners);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) logoutListeners.delete(session.id);
      };
    },
    cookiesFor(session) {
      const maxAgeInSeconds = Math.floor(maxAgeInMs / 1000);
      return [
        `${sessionCookie}=${session.id}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=${maxAgeInSeconds}${secure}`,
        // Readable by the page's script, which echoes it in the header: a double submit another site cannot make.
        `${csrfCookie}=${session.csrfToken}; Path=/ui; SameSite=Strict; Max-Age=${maxAgeInSeconds}${secure}`,
      ];
    },
    clearedCookies() {
      return [`${sessionCookie}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0${secure}`, `${csrfCookie}=; Path=/ui; SameSite=Strict; Max-Age=0${secure}`];
    },
    clear() {
      sessions.clear();
      logoutListeners.clear();
    },
  };
}

/**
 * Throws unless the request comes from a page of this gateway: Sec-Fetch-Site same-origin when the
 * browser sends it, and an Origin whose host is the request's Host. A request with neither is refused.
 */
export function checkSameOrigin(request: IncomingMessage): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') throw new WardenError('forbidden', `Cross-site request refused (Sec-Fetch-Site: ${String(site)}); use the control panel at /ui.`);
  const origin = request.headers.origin;
  if (origin === undefined) throw new WardenError('forbidden', 'A state-changing request to /ui needs an Origin header from the panel itself.');
  let host: string;
  try {
    host = new URL(origin).host;
  } catch (error) {
    if (error instanceof TypeError) throw new WardenError('forbidden', 'Cross-origin request refused: the Origin header is not a URL.');
    throw error;
  }
  if (host === '' || host !== request.headers.host) throw new WardenError('forbidden', `Cross-origin request refused: ${origin} is not this gateway.`);
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator !== -1 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

function cleanName(name: string | undefined): string | undefined {
  const trimmed = name?.trim().replace(/[^A-Za-z0-9 ._@-]/g, '').slice(0, 64);
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function equalText(left: string, right: string): boolean {
  return timingSafeEqual(digest(left), digest(right));
}
