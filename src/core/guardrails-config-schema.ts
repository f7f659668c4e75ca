import { loopDetectionConfigSchema } from './loop-detection-config-schema.js';
import { toolPoliciesSchema } from './tool-policy-schema.js';

/**
 * The agent guardrail fields of the Warden config, to spread into configSchema beside
 * gatewayConfigShape. Both are off until configured, so existing configs keep working.
 * @example { loopDetection: { repeatThreshold: 4 }, toolPolicies: [{ appliesTo: { taskType: 'coding' }, tools: [{ name: 'read_file', paths: { workspaces: ['/work/repo'] } }] }] }
 */
export const guardrailsConfigShape = {
  /** Loop and stuck detection per task; absent is off, `{}` is on with the defaults. */
  loopDetection: loopDetectionConfigSchema.optional(),
  /** Default-deny tool rules per team, key and task type; empty is off (every tool allowed). */
  toolPolicies: toolPoliciesSchema,
} as const;
