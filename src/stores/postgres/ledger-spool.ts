import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerEvent } from '../../core/ledger-event.js';
import { toPostgresLedgerRow, type PostgresLedgerRow } from './postgres-ledger-row.js';

/** Spools open in this process, by instance id: a second store here must leave a live one's segments alone. */
const openInstances = new Set<string>();

const segmentPattern = /^(\d+)-([0-9a-f]{8})-(\d+)\.jsonl$/;

export interface LedgerSpoolOptions {
  directory: string;
  /** The PostgreSQL schema the events are for; stores of other schemas may share the directory. */
  schema: string;
}

/**
 * Ledger events on local disk until PostgreSQL has them: one JSON line per event, written with a
 * synchronous append before append() returns, so an accepted event survives a PostgreSQL outage
 * and a killed process (not a power cut: there is no fsync per event). Events go to the current
 * segment file `ledger-<schema>-<pid>-<instance>-<n>.jsonl`; a write to PostgreSQL first seals
 * it (rotate) and deletes the sealed segments once all their events are in (remove).
 *
 * Assumes one replica per spool directory and schema. On open it adopts the segments of every
 * owner that is gone: a process that no longer runs, or an earlier store in this very process
 * (a restarted container often gets the same pid). Segments of a live process are left alone.
 */
export class LedgerSpool {
  private readonly instance = randomUUID().slice(0, 8);
  private readonly prefix: string;
  private current: { path: string; descriptor: number } | undefined;
  private sealed: string[] = [];
  private segmentCount = 0;

  constructor(private readonly options: LedgerSpoolOptions) {
    mkdirSync(options.directory, { recursive: true });
    this.prefix = `ledger-${encodeURIComponent(options.schema)}-`;
    openInstances.add(this.instance);
  }

  get directory(): string {
    return this.options.directory;
  }

  /** Appends the rows to the current segment, opening one if needed; throws when the disk refuses. */
  write(rows: readonly PostgresLedgerRow[]): void {
    if (this.current === undefined) {
      const path = join(this.options.directory, `${this.prefix}${process.pid}-${this.instance}-${this.segmentCount}.jsonl`);
      this.segmentCount += 1;
      this.current = { path, descriptor: openSync(path, 'a') };
    }
    const bytes = Buffer.from(rows.map((row) => `{"eventId":${JSON.stringify(row.eventId)},"event":${row.json}}\n`).join(''));
    let written = 0;
    while (written < bytes.length) written += writeSync(this.current.descriptor, bytes, written);
  }

  /** Seals the current segment, so later events go to a new one; returns every sealed segment not yet removed. */
  rotate(): string[] {
    if (this.current !== undefined) {
      closeSync(this.current.descriptor);
      this.sealed.push(this.current.path);
      this.current = undefined;
    }
    return [...this.sealed];
  }

  /** Deletes sealed segments whose events are all in PostgreSQL. */
  remove(paths: readonly string[]): void {
    for (const path of paths) {
      try {
        unlinkSync(path);
      } catch (error) {
        // A segment left behind is only replayed, harmlessly, on the next open; not worth failing a write for.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') process.emitWarning(`Could not delete ledger spool segment ${path}: ${(error as Error).message}`, { code: 'WARDEN_LEDGER_SPOOL' });
      }
    }
    this.sealed = this.sealed.filter((path) => !paths.includes(path));
  }

  /**
   * Takes over the segments of gone owners (see the class comment) as sealed segments of this
   * spool and returns their events, oldest segment first, each event once.
   */
  adoptLeftovers(): PostgresLedgerRow[] {
    const seen = new Set<string>();
    const rows: PostgresLedgerRow[] = [];
    for (const path of this.leftoverSegments()) {
      for (const row of readSegment(path)) {
        if (seen.has(row.eventId)) continue;
        seen.add(row.eventId);
        rows.push(row);
      }
      this.sealed.push(path);
    }
    return rows;
  }

  private leftoverSegments(): string[] {
    const segments: Array<{ path: string; order: number; modifiedInMs: number }> = [];
    for (const name of readdirSync(this.options.directory)) {
      const owner = name.startsWith(this.prefix) ? segmentPattern.exec(name.slice(this.prefix.length)) : null;
      if (owner === null || ownerIsAlive(Number(owner[1]), owner[2] ?? '')) continue;
      const path = join(this.options.directory, name);
      segments.push({ path, order: Number(owner[3]), modifiedInMs: statSync(path).mtimeMs });
    }
    return segments.sort((a, b) => a.modifiedInMs - b.modifiedInMs || a.order - b.order).map((segment) => segment.path);
  }

  /** Closes the current segment and lets a later store adopt what is left. */
  close(): void {
    if (this.current !== undefined) closeSync(this.current.descriptor);
    this.current = undefined;
    openInstances.delete(this.instance);
  }
}

function ownerIsAlive(pid: number, instance: string): boolean {
  if (pid === process.pid) return openInstances.has(instance);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readSegment(path: string): PostgresLedgerRow[] {
  const rows: PostgresLedgerRow[] = [];
  let unreadable = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const parsed = parseLine(line);
    if (parsed === undefined) unreadable += 1;
    else rows.push(toPostgresLedgerRow(parsed.eventId, parsed.event));
  }
  // A process killed in the middle of a write leaves a partial last line; its append never returned, so nothing accepted is lost.
  if (unreadable > 0) process.emitWarning(`Skipped ${unreadable} unreadable lines in ledger spool segment ${path}.`, { code: 'WARDEN_LEDGER_SPOOL' });
  return rows;
}

function parseLine(line: string): { eventId: string; event: LedgerEvent } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  const { eventId, event } = (parsed ?? {}) as { eventId?: unknown; event?: { type?: unknown } };
  if (typeof eventId !== 'string' || typeof event !== 'object' || event === null || typeof event.type !== 'string') return undefined;
  return { eventId, event: event as LedgerEvent };
}
