import type { Clock } from './clock.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** One upstream's breaker, as shown to operators. */
export interface CircuitStatus {
  name: string;
  state: CircuitState;
  consecutiveFailures: number;
  openedAtInMs?: number;
}

/** Circuit breakers for many upstreams, keyed by name. */
export interface CircuitBreaker {
  /** Whether a request may go to this upstream now; in half-open, true once for the trial. */
  canRequest(name: string): boolean;
  recordSuccess(name: string): void;
  recordFailure(name: string): void;
  stateOf(name: string): CircuitState;
  states(): CircuitStatus[];
}

interface Circuit {
  consecutiveFailures: number;
  openedAtInMs?: number;
  trialStartedAtInMs?: number;
}

/**
 * Opens an upstream's circuit after `failureThreshold` consecutive failures, skips it for
 * `cooldownInMs`, then lets one trial through: success closes it, failure reopens it.
 * @example const breaker = createCircuitBreaker({ failureThreshold: 5, cooldownInMs: 30_000, clock });
 */
export function createCircuitBreaker(options: { failureThreshold: number; cooldownInMs: number; clock: Clock }): CircuitBreaker {
  const { failureThreshold, cooldownInMs, clock } = options;
  const circuits = new Map<string, Circuit>();

  const circuitOf = (name: string): Circuit => {
    let circuit = circuits.get(name);
    if (!circuit) {
      circuit = { consecutiveFailures: 0 };
      circuits.set(name, circuit);
    }
    return circuit;
  };

  const stateOfCircuit = (circuit: Circuit | undefined, nowInMs: number): CircuitState => {
    if (circuit?.openedAtInMs === undefined) return 'closed';
    return nowInMs - circuit.openedAtInMs < cooldownInMs ? 'open' : 'half-open';
  };

  return {
    canRequest(name) {
      const circuit = circuits.get(name);
      const nowInMs = clock.now();
      const state = stateOfCircuit(circuit, nowInMs);
      if (state !== 'half-open' || !circuit) return state === 'closed';
      // A trial whose result never came back (a lost request) must not keep the upstream shut
      // forever: after another cooldown, the next request becomes the trial.
      const trialPending = circuit.trialStartedAtInMs !== undefined && nowInMs - circuit.trialStartedAtInMs < cooldownInMs;
      if (trialPending) return false;
      circuit.trialStartedAtInMs = nowInMs;
      return true;
    },
    recordSuccess(name) {
      const circuit = circuitOf(name);
      circuit.consecutiveFailures = 0;
      delete circuit.openedAtInMs;
      delete circuit.trialStartedAtInMs;
    },
    recordFailure(name) {
      const circuit = circuitOf(name);
      const nowInMs = clock.now();
      circuit.consecutiveFailures += 1;
      const state = stateOfCircuit(circuit, nowInMs);
      if (state === 'half-open' || (state === 'closed' && circuit.consecutiveFailures >= failureThreshold)) {
        circuit.openedAtInMs = nowInMs;
        delete circuit.trialStartedAtInMs;
      }
    },
    stateOf(name) {
      return stateOfCircuit(circuits.get(name), clock.now());
    },
    states() {
      const nowInMs = clock.now();
      return [...circuits].map(([name, circuit]) => ({
        name,
        state: stateOfCircuit(circuit, nowInMs),
        consecutiveFailures: circuit.consecutiveFailures,
        ...(circuit.openedAtInMs === undefined ? {} : { openedAtInMs: circuit.openedAtInMs }),
      }));
    },
  };
}
