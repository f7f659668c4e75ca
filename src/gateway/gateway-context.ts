import type { CircuitBreaker } from '../core/circuit-breaker.js';
import type { Clock } from '../core/clock.js';
import type { WardenConfig } from '../core/config-schema.js';
import type { Store } from '../core/store.js';
import type { WardenRuntime } from '../sdk/warden-runtime.js';
import type { GatewayLogger } from './gateway-logger.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { InFlightCalls } from './in-flight-calls.js';
import type { KillSwitches } from './kill-switches.js';
import type { Approvals } from '../sdk/approvals.js';
import type { TaskLimits } from './task-limits.js';
import type { TaskLoops } from '../sdk/task-loops.js';
import type { Upstream } from './upstream.js';
import type { VirtualKeys } from './virtual-keys.js';

/** Everything a request handler needs, built once by createGateway. */
export interface GatewayContext {
  config: Readonly<WardenConfig>;
  runtime: WardenRuntime;
  store: Store;
  clock: Clock;
  keys: VirtualKeys;
  killSwitches: KillSwitches;
  taskLoops: TaskLoops;
  taskLimits: TaskLimits;
  approvals: Approvals;
  upstreams: ReadonlyMap<string, Upstream>;
  breaker: CircuitBreaker;
  metrics: GatewayMetrics;
  logger: GatewayLogger;
  inFlight: InFlightCalls;
  /** Compares a presented admin key in constant time; false when no admin key is configured. */
  isAdminKey(presented: string): boolean;
}
