import { runSubject, upstreamUrlArgument } from './run-subject.js';
import { startWardenGateway } from './start-warden-gateway.js';

/**
 * Warden for the soak: budgets on, in front of the mock as its simulated provider, so each request's
 * `x-mock-error` plays an upstream fault. The faults are the requests' own, not an outage, so the
 * circuit breaker is set not to open on the few consecutive failures they produce under load.
 */
await runSubject(() =>
  startWardenGateway({
    upstreamUrl: upstreamUrlArgument(),
    budgets: [{ scope: 'org:default', window: 'day', hard: '1000000' }],
    key: { name: 'soak' },
    simulated: true,
    circuitBreaker: { failureThreshold: 1_000 },
  }),
);
