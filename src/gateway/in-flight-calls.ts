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

/** The calls in flight, so a kill switch can end the running ones it covers. */
export class InFlightCalls {
  private readonly calls = new Map<string, InFlightCall>();

  get size(): number {
    return this.calls.size;
  }

  add(call: InFlightCall): () => void {
    this.calls.set(call.requestId, call);
    return () => {
      if (this.calls.get(call.requestId) === call) this.calls.delete(call.requestId);
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

  list(): InFlightCall[] {
    return [...this.calls.values()];
  }
}
