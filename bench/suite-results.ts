import type { BodySizeResult } from './load/body-size-workload.js';
import type { BudgetContentionResult } from './load/budget-contention-workload.js';
import type { ConcurrencySweepResult } from './load/concurrency-sweep-workload.js';
import type { LatencyResult } from './load/fold-latency-rounds.js';
import type { InFlightResult } from './load/in-flight-workload.js';
import type { StreamingResult } from './load/streaming-workload.js';

/** The workloads of the gateway suite. */
export const workloadNames = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6'] as const;

export type WorkloadName = (typeof workloadNames)[number];

/** What one run of the suite measured; a workload left out of the run is absent. */
export interface SuiteResults {
  /** One request at a time, instant mock. */
  W1?: LatencyResult[];
  /** Concurrency sweep, instant mock then 20 ms mock. */
  W2?: ConcurrencySweepResult[];
  /** 1,000 in flight against a 1 s mock. */
  W3?: InFlightResult[];
  /** Paced SSE streams. */
  W4?: StreamingResult[];
  /** Budget contention on one team budget. */
  W5?: BudgetContentionResult;
  /** Request body sizes, one at a time, instant mock. */
  W6?: BodySizeResult[];
}
