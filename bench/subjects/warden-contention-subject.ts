import { runSubject, upstreamUrlArgument } from './run-subject.js';
import { startWardenGateway } from './start-warden-gateway.js';

const contentionTeam = 'contention';

/**
 * W5's Warden: a key of team "contention" whose daily team budget is the second argument in nano-USD,
 * with clamping off so a call either fits whole or is refused; "none" gives the team no budget (probe calls).
 */
await runSubject(() => {
  const limit = process.argv[3];
  if (limit === undefined || !(limit === 'none' || /^\d{1,15}$/.test(limit))) throw new Error(`Expected the team budget in nano-USD (or "none") as the second argument, got ${String(limit)}.`);
  return startWardenGateway({
    upstreamUrl: upstreamUrlArgument(),
    budgets: limit === 'none' ? [] : [{ scope: `team:${contentionTeam}`, window: 'day', hard: (Number(limit) / 1e9).toFixed(9), clamp: false }],
    key: { name: 'bench', team: contentionTeam },
  });
});
