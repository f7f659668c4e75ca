import { runSubject, upstreamUrlArgument } from './run-subject.js';
import { startWardenGateway } from './start-warden-gateway.js';

/**
 * The same gateway with budgets off: no budget in the config and a key without budgets, so a call
 * reserves on no budget line. It is still authenticated, priced, reserved and committed (on zero
 * lines) and written to the ledger; what is left out is checking and charging limits.
 */
await runSubject(() => startWardenGateway({ upstreamUrl: upstreamUrlArgument(), budgets: [], key: { name: 'bench' } }));
