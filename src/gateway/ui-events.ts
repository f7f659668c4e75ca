import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants, createGzip } from 'node:zlib';
import { panelSections } from '../dashboard/panel-state.js';
import type { PanelSnapshot, PanelStateSource, PanelUpdate } from './ui-state-source.js';
import type { UiSession, UiSessions } from './ui-session.js';

/** Bytes and messages sent on the panel's event streams, for the docs' figures and the tests. */
export interface PanelStreamStats {
  streams: number;
  stateMessages: number;
  patchMessages: number;
  /** The events' text. */
  bytes: number;
  /** What went on the wire: gzip when the browser accepts it, one compression context per stream. */
  transferredBytes: number;
}

const heartbeatInMs = 15_000;

/**
 * Streams the panel state as server-sent events: `hello` (who is signed in), `state` (everything,
 * on connect), then `patch` with only what changed (a diffJson patch per section), each poll. Ends with `logout`
 * when the session does.
 */
export async function streamPanelEvents(options: { request: IncomingMessage; response: ServerResponse; session: UiSession; sessions: UiSessions; source: PanelStateSource; stats: PanelStreamStats }): Promise<void> {
  const { request, response, session, sessions, source, stats } = options;
  // Successive updates repeat the same field names: one gzip context for the stream, flushed per event, shrinks them several times.
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) ? createGzip() : undefined;
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}) });
  stats.streams += 1;
  gzip?.on('data', (chunk: Buffer) => {
    stats.transferredBytes += chunk.length;
    response.write(chunk);
  });
  const write = (text: string): void => {
    stats.bytes += Buffer.byteLength(text);
    if (gzip === undefined) {
      stats.transferredBytes += Buffer.byteLength(text);
      response.write(text);
      return;
    }
    gzip.write(text);
    gzip.flush(constants.Z_SYNC_FLUSH);
  };
  const finish = (): void => {
    if (gzip === undefined) response.end();
    else gzip.end(() => response.end());
  };
  const send = (event: string, data: string): void => write(`event: ${event}\ndata: ${data}\n\n`);
  write('retry: 2000\n\n');
  send('hello', JSON.stringify({ role: session.role, name: session.name }));

  let sentVersion: number | undefined;
  const waiting: PanelUpdate[] = [];
  const sendPatch = (update: PanelUpdate): void => {
    if (sentVersion === undefined) {
      waiting.push(update);
      return;
    }
    if (update.version <= sentVersion) return;
    if (sessions.find(request) === undefined) return endSession();
    sentVersion = update.version;
    stats.patchMessages += 1;
    send('patch', `{"version":${update.version},"atInMs":${update.atInMs},"patch":${update.patch}}`);
  };
  const unsubscribe = source.subscribe(sendPatch);
  const heartbeat = setInterval(() => {
    if (sessions.find(request) === undefined) return endSession();
    write(': still here\n\n');
  }, heartbeatInMs);
  heartbeat.unref();
  const stopWatchingLogout = sessions.onLogout(session, () => endSession());
  const stop = (): void => {
    unsubscribe();
    stopWatchingLogout();
    clearInterval(heartbeat);
  };
  const endSession = (): void => {
    stop();
    send('logout', '{}');
    finish();
  };
  response.once('close', () => {
    stop();
    gzip?.destroy();
  });

  let snapshot: PanelSnapshot;
  try {
    snapshot = await source.current();
  } catch (error) {
    stop();
    finish();
    throw error;
  }
  sentVersion = snapshot.version;
  stats.stateMessages += 1;
  send('state', `{"version":${snapshot.version},"state":${stateJson(snapshot)}}`);
  for (const update of waiting.splice(0)) sendPatch(update);
}

/** The whole state as JSON, assembled from the sections' JSON already made for the diff. */
export function stateJson(snapshot: PanelSnapshot): string {
  return `{"atInMs":${snapshot.state.atInMs},${panelSections.map((section) => `${JSON.stringify(section)}:${snapshot.sections[section]}`).join(',')}}`;
}
