import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../core/clock.js';
import { WardenError } from '../core/warden-error.js';
import { checkSameOrigin, cookieValue, createUiSessions } from './ui-session.js';

const adminKey = 'admin-key-0123456789';
const request = (headers: Record<string, string>): IncomingMessage => ({ headers: { host: 'warden.example:4000', ...headers } }) as unknown as IncomingMessage;
const refusal = (run: () => void): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof WardenError) return `${error.code}: ${error.message}`;
    throw error;
  }
};

function sessionsAt(clock = createManualClock(Date.UTC(2026, 10, 25, 12))) {
  return { clock, sessions: createUiSessions({ clock, isAdminKey: (key) => key === adminKey, viewerKeys: [{ name: 'noc-screen', key: 'viewer-key-0123456789' }], secureCookies: true, idleTimeoutInMs: 60_000, maxAgeInMs: 600_000 }) };
}

describe('createUiSessions', () => {
  it('gives the admin key an operator session, a viewer key a viewer one, and any other key none', () => {
    const { sessions } = sessionsAt();
    expect(sessions.login({ key: adminKey, name: 'Alice <script>' })).toMatchObject({ role: 'operator', name: 'Alice script' });
    expect(sessions.login({ key: 'viewer-key-0123456789', name: 'mallory' })).toMatchObject({ role: 'viewer', name: 'noc-screen' });
    expect(sessions.login({ key: 'nope-0123456789abcdef' })).toBeUndefined();
  });

  it('finds a session by its cookie until it has been idle too long or is too old', () => {
    const { clock, sessions } = sessionsAt();
    const session = sessions.login({ key: adminKey }) as NonNullable<ReturnType<typeof sessions.login>>;
    const cookie = { cookie: `other=1; warden_session=${session.id}` };
    expect(sessions.find(request(cookie))?.id).toBe(session.id);
    clock.advance(59_000);
    expect(sessions.find(request(cookie))?.id).toBe(session.id);
    clock.advance(59_000);
    expect(sessions.find(request(cookie))?.id).toBe(session.id);
    clock.advance(60_000);
    expect(sessions.find(request(cookie))).toBeUndefined();
    const kept = sessions.login({ key: adminKey }) as NonNullable<ReturnType<typeof sessions.login>>;
    // Used every 55 s, it still ends 600 s after login.
    for (let minute = 0; minute < 11; minute += 1) {
      clock.advance(55_000);
      sessions.find(request({ cookie: `warden_session=${kept.id}` }));
    }
    expect(sessions.find(request({ cookie: `warden_session=${kept.id}` }))).toBeUndefined();
  });

  it('sets HttpOnly, SameSite=Strict cookies on /ui (Secure when configured), and ends them at logout', () => {
    const { sessions } = sessionsAt();
    const session = sessions.login({ key: adminKey }) as NonNullable<ReturnType<typeof sessions.login>>;
    const [sessionCookie, csrfCookie] = sessions.cookiesFor(session);
    expect(sessionCookie).toBe(`warden_session=${session.id}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=600; Secure`);
    expect(csrfCookie).toBe(`warden_csrf=${session.csrfToken}; Path=/ui; SameSite=Strict; Max-Age=600; Secure`);
    let ended = 0;
    sessions.onLogout(session, () => (ended += 1));
    sessions.logout(session);
    expect(ended).toBe(1);
    expect(sessions.find(request({ cookie: `warden_session=${session.id}` }))).toBeUndefined();
  });

  it('takes a state change only from the same origin with the session’s CSRF token in header and cookie', () => {
    const { sessions } = sessionsAt();
    const session = sessions.login({ key: adminKey }) as NonNullable<ReturnType<typeof sessions.login>>;
    const cookie = `warden_session=${session.id}; warden_csrf=${session.csrfToken}`;
    const good = { origin: 'http://warden.example:4000', cookie, 'x-warden-csrf': session.csrfToken };
    expect(refusal(() => sessions.checkStateChange(request(good), session))).toBeUndefined();
    expect(refusal(() => sessions.checkStateChange(request({ ...good, 'x-warden-csrf': 'guess' }), session))).toMatch(/^forbidden: .*CSRF/);
    expect(refusal(() => sessions.checkStateChange(request({ ...good, cookie: `warden_session=${session.id}` }), session))).toMatch(/^forbidden: .*CSRF/);
    expect(refusal(() => sessions.checkStateChange(request({ ...good, origin: 'http://evil.example' }), session))).toMatch(/^forbidden: Cross-origin/);
    expect(refusal(() => sessions.checkStateChange(request({ ...good, 'sec-fetch-site': 'same-site' }), session))).toMatch(/^forbidden: Cross-site/);
  });

  it('refuses logins from an address after ten failures in a minute', () => {
    const { clock, sessions } = sessionsAt();
    for (let attempt = 0; attempt < 10; attempt += 1) expect(sessions.login({ key: 'wrong-key-0123456789', remoteAddress: '10.0.0.9' })).toBeUndefined();
    expect(refusal(() => sessions.login({ key: adminKey, remoteAddress: '10.0.0.9' }))).toMatch(/^forbidden: Too many failed logins/);
    expect(sessions.login({ key: adminKey, remoteAddress: '10.0.0.10' })?.role).toBe('operator');
    clock.advance(60_000);
    expect(sessions.login({ key: adminKey, remoteAddress: '10.0.0.9' })?.role).toBe('operator');
  });
});

describe('checkSameOrigin', () => {
  it('needs an Origin whose host is the request’s Host', () => {
    expect(refusal(() => checkSameOrigin(request({ origin: 'https://warden.example:4000' })))).toBeUndefined();
    expect(refusal(() => checkSameOrigin(request({})))).toMatch(/needs an Origin/);
    expect(refusal(() => checkSameOrigin(request({ origin: 'null' })))).toMatch(/^forbidden/);
  });
});

describe('cookieValue', () => {
  it('reads one cookie from a Cookie header', () => {
    expect(cookieValue('a=1; warden_session=abc; b=2', 'warden_session')).toBe('abc');
    expect(cookieValue('xwarden_session=abc', 'warden_session')).toBeUndefined();
    expect(cookieValue(undefined, 'warden_session')).toBeUndefined();
  });
});
