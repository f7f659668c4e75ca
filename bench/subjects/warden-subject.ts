import { runSubject, upstreamUrlArgument } from './run-subject.js';
import { startWardenGateway } from './start-warden-gateway.js';

/** Warden with budgets and the ledger on: an org budget ($1,000,000 a day) that every call is priced, reserved and committed against. */
await runSubject(() =>
  startWardenGateway({
    upstreamUrl: upstreamUrlArgument(),
    budgets: [{ scope: 'org:default', window: 'day', hard: '1000000' }],
    key: { name: 'bench' },
  }),
);
