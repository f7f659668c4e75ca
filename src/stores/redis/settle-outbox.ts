import type { CommitRequest, CommitResult } from '../../core/store.js';

type PendingSettle = { kind: 'commit'; request: CommitRequest } | { kind: 'release'; reservationId: string };

/**
 * Commits and releases that could not reach the budget store, kept in order and retried until
 * it takes them. Both are idempotent, so a retry after an answer that was lost changes nothing.
 * Held in memory: a process that dies with settles pending leaves their leases to expire.
 */
export class SettleOutbox {
  private pending: PendingSettle[] = [];
  private retrying: Promise<void> | undefined;

  constructor(private readonly send: { commit(request: CommitRequest): Promise<CommitResult>; release(reservationId: string): Promise<boolean> }) {}

  get size(): number {
    return this.pending.length;
  }

  add(settle: PendingSettle): void {
    this.pending.push(settle);
  }

  /** Sends what is pending, oldest first, stopping at the first failure. */
  retry(): Promise<void> {
    this.retrying ??= this.drain().finally(() => {
      this.retrying = undefined;
    });
    return this.retrying;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const next = this.pending[0] as PendingSettle;
      try {
        if (next.kind === 'commit') await this.send.commit(next.request);
        else await this.send.release(next.reservationId);
      } catch {
        return;
      }
      this.pending.shift();
    }
  }
}
