import type { CallScopes } from '../core/call-scopes.js';
import type { WardenError } from '../core/warden-error.js';

/** A call that is being answered right now, and how to end it early. */
export interface InFlightCall {
  requestId: string;
  scopes: CallScopes;
  startedAtInMs: number;
  /** Ends the call cleanly for the client with this error and stops its upstream. */
  end(error: WardenError): void;
}

/** The calls in flight, so a kill switch can end the running ones it covers, and a shutdown can wait for them. */
export class InFlightCalls {
  private readonly calls = new Map<string, InFlightCall>();
  /** Calls added and not yet finished, ended ones included: ending a call only starts its settling. */
  private unfinished = 0;
  private idleWaiters: Array<() => void> = [];

  get size(): number {
    return this.calls.size;
  }

  /** Registers a call; the returned function is called once it has finished (settled) however it ended. */
  add(call: InFlightCall): () => void {
    this.calls.set(call.requestId, call);
    this.unfinished += 1;
    let finished = false;
    return () => {
      if (this.calls.get(call.requestId) === call) this.calls.delete(call.requestId);
      if (finished) return;
      finished = true;
      this.unfinished -= 1;
      if (this.unfinished === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    };
  }

  /** Ends every call `matches` picks; returns how many. */
  endWhere(matches: (call: InFlightCall) => WardenError | undefined): number {
    let ended = 0;
    for (const call of [...this.calls.values()]) {
      const error = matches(call);
      if (error === undefined) continue;
      this.calls.delete(call.requestId);
      call.end(error);
      ended += 1;
    }
    return ended;
  }

  /** Resolves once every call added so far has finished, those ended by endWhere included. */
  idle(): Promise<void> {
    if (this.unfinished === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  list(): InFlightCall[] {
    return [...this.calls.values()];
  }
}
