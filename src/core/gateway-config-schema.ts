import { z } from 'zod';
import { enforcementMode, positiveInteger } from './config-fields.js';

const urlText = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch (error) {
      if (error instanceof TypeError) return false;
      throw error;
    }
  },
  { error: (issue) => `expected an http(s) URL like "https://api.openai.com/v1", got ${JSON.stringify(issue.input)}` },
);

const modelList = z.array(z.string().min(1)).default([]);

/**
 * An upstream Warden forwards to. Its URL and key come only from here, never from a request.
 * `simulated` is the built-in mock provider, for trying Warden without keys.
 */
export const providerSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('openai'),
      /** Ends in /v1. Default https://api.openai.com/v1. */
      baseUrl: urlText.default('https://api.openai.com/v1'),
      apiKey: z.string().min(1, { error: 'the provider needs an apiKey; use "${OPENAI_API_KEY}" to read it from the environment' }),
      /** Models this provider serves besides those the price catalogue assigns to it. */
      models: modelList,
    }),
    z.strictObject({
      type: z.literal('anthropic'),
      /** Without /v1. Default https://api.anthropic.com. */
      baseUrl: urlText.default('https://api.anthropic.com'),
      apiKey: z.string().min(1, { error: 'the provider needs an apiKey; use "${ANTHROPIC_API_KEY}" to read it from the environment' }),
      models: modelList,
    }),
    z.strictObject({
      /** Any server speaking the OpenAI API (vLLM, Ollama, Together, Groq, Azure-style proxies). */
      type: z.literal('openai-compatible'),
      baseUrl: urlText,
      apiKey: z.string().optional(),
      /** The models it serves; they need a price (catalogue, prices.overrides or prices.fallback). */
      models: z.array(z.string().min(1)).min(1, { error: 'list the models this provider serves' }),
    }),
    z.strictObject({
      type: z.literal('simulated'),
      /** Added latency before the first byte, to make the simulation feel real. */
      latencyInMs: z.number().int().min(0).default(0),
      /** Pause between streamed chunks. */
      chunkIntervalInMs: z.number().int().min(0).default(0),
      models: modelList,
    }),
  ],
  { error: 'expected type to be one of openai, anthropic, openai-compatible, simulated' },
);

const tierName = z.string().regex(/^[a-z][a-z0-9_-]*$/, { error: 'a tier name is lowercase letters, digits, - and _, like "fast"' });

/** When a routing rule applies: every condition given must hold. */
export const routingConditionSchema = z
  .strictObject({
    /** Request headers that must equal these values (names lowercase). */
    headers: z.record(z.string(), z.string()).optional(),
    taskType: z.union([z.string(), z.array(z.string())]).optional(),
    /** The estimated input tokens are at least this many. */
    minInputTokens: z.number().int().min(0).optional(),
    /** The estimated input tokens are at most this many. */
    maxInputTokens: z.number().int().min(0).optional(),
    /** Any of these words appears in the last user message (case-insensitive). */
    keywords: z.array(z.string().min(1)).optional(),
    /** This regular expression matches the last user message. */
    regex: z
      .string()
      .refine(
        (source) => {
          try {
            new RegExp(source, 'i');
            return true;
          } catch (error) {
            if (error instanceof SyntaxError) return false;
            throw error;
          }
        },
        { error: (issue) => `not a valid regular expression: ${JSON.stringify(issue.input)}` },
      )
      .optional(),
  })
  .refine((condition) => Object.values(condition).some((value) => value !== undefined), { error: 'a rule needs at least one condition under "when"' });

export const routingRuleSchema = z
  .strictObject({
    when: routingConditionSchema,
    /** Route to this tier's models... */
    tier: tierName.optional(),
    /** ...or to this model. */
    model: z.string().min(1).optional(),
  })
  .refine((rule) => (rule.tier === undefined) !== (rule.model === undefined), { error: 'a rule routes to exactly one of "tier" or "model"' });

export const routingSchema = z.strictObject({
  /** The tier `model: "auto"` uses when no rule matches. */
  defaultTier: tierName.optional(),
  /** Tried in order for `model: "auto"` (and tier names); the first that matches wins. */
  rules: z.array(routingRuleSchema).default([]),
});

export const circuitBreakerSchema = z.strictObject({
  /** Consecutive failures (429, 5xx, timeouts, connection errors) that open the circuit. */
  failureThreshold: positiveInteger.default(5),
  /** How long an open circuit skips its upstream before one trial request. */
  cooldownInMs: positiveInteger.default(30_000),
});

export const upstreamSchema = z.strictObject({
  /** Time to wait for response headers (the first token for streams). */
  headersTimeoutInMs: positiveInteger.default(120_000),
  /** Longest silence allowed between body chunks. */
  bodyTimeoutInMs: positiveInteger.default(300_000),
  connectTimeoutInMs: positiveInteger.default(10_000),
  /** Keep-alive connections per upstream. */
  connections: positiveInteger.default(256),
});

export const cacheSchema = z.strictObject({
  /** Exact-match response cache. Off unless enabled here or on a key. */
  enabled: z.boolean().default(false),
  ttlInSeconds: positiveInteger.default(300),
  /** Largest response body stored. */
  maxEntryInBytes: positiveInteger.default(1_048_576),
});

export const serverSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(4000),
  /** Larger request bodies get 413. */
  maxBodyInBytes: positiveInteger.default(10 * 1_048_576),
  /** Where the embedded SQLite store lives. */
  sqlitePath: z.string().default('./warden.db'),
  /**
   * batched: budget changes reach the file with the ledger every 50 ms (a crash may lose that
   * much); per-operation: each reserve and commit is written before it returns (about 50 µs more per call).
   */
  sqliteDurability: z.enum(['batched', 'per-operation'], { error: 'expected batched or per-operation' }).default('batched'),
});

function urlWithScheme(schemes: readonly string[], example: string) {
  return z.string().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol);
      } catch (error) {
        if (error instanceof TypeError) return false;
        throw error;
      }
    },
    // The input is not echoed: a connection URL may carry a password.
    { error: () => `expected "sqlite" or a URL like "${example}"` },
  );
}

/**
 * Where state lives. The embedded SQLite file (server.sqlitePath) is the default for both parts;
 * several replicas share budgets through Redis and the ledger (with the virtual keys) through
 * PostgreSQL.
 */
export const storageSchema = z.strictObject({
  /** Budget counters, reservations, alert marks, kill switches and the response cache: "sqlite" or redis://… (rediss:// for TLS). */
  budgets: z.union([z.literal('sqlite'), urlWithScheme(['redis:', 'rediss:'], 'redis://127.0.0.1:6379/0')]).default('sqlite'),
  /** The ledger and the virtual keys: "sqlite" or postgres://… */
  ledger: z.union([z.literal('sqlite'), urlWithScheme(['postgres:', 'postgresql:'], 'postgres://warden@127.0.0.1:5432/warden')]).default('sqlite'),
  /** Redis key prefix and PostgreSQL schema: one per deployment sharing those servers. */
  namespace: z.string().regex(/^[a-z][a-z0-9_]{0,40}$/, { error: 'a namespace is a lowercase letter, then up to 40 lowercase letters, digits or _' }).default('warden'),
  /**
   * When the budget store cannot be reached: fail-closed refuses calls with store_unavailable
   * (the default); local-allowance lets each replica spend up to its share of every limit
   * (the limit divided by replicas) and adds that spend to the shared counters when the store is back.
   */
  onBudgetStoreDown: z.enum(['fail-closed', 'local-allowance'], { error: 'expected fail-closed or local-allowance' }).default('fail-closed'),
  /** How many gateway replicas share the budget store: the local allowance is each limit divided by this. */
  replicas: positiveInteger.default(1),
  /** How long one Redis command may take before the call is refused (or falls back to the local allowance). */
  budgetStoreTimeoutInMs: positiveInteger.default(250),
  /** Where ledger events wait on local disk until PostgreSQL has them; default: beside server.sqlitePath. */
  spoolDirectory: z.string().optional(),
  /** Run pending PostgreSQL migrations at start (otherwise run `warden migrate`). */
  migrateOnStart: z.boolean().default(true),
});

export const adminSchema = z.strictObject({
  /** Protects /admin/* and /metrics. Use "${WARDEN_ADMIN_KEY}". */
  key: z.string().min(16, { error: 'the admin key must be at least 16 characters; generate one with `openssl rand -hex 24`' }).optional(),
  /** HMAC secret virtual keys are stored under. Use "${WARDEN_SECRET}"; changing it invalidates every key. */
  secret: z.string().min(16, { error: 'the secret must be at least 16 characters; generate one with `openssl rand -hex 32`' }).optional(),
  /** Read-only logins to the control panel at /ui: they see everything, and may not kill, unkill, approve or deny. */
  viewerKeys: z
    .array(
      z.strictObject({
        /** Shown in the panel and in the log as who is watching. */
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/, { error: 'a viewer name is 1 to 64 letters, digits, spaces and . _ @ -, like "noc-screen"' }),
        key: z.string().min(16, { error: 'a viewer key must be at least 16 characters; use "${WARDEN_VIEWER_KEY}" and generate one with `openssl rand -hex 24`' }),
      }),
    )
    .default([]),
  /** Mark the /ui session cookie Secure (sent over HTTPS only): set it when people reach Warden through TLS. */
  secureCookies: z.boolean().default(false),
});

/** What the gateway does with tools the tool policy (toolPolicies) does not allow. */
export const toolChecksSchema = z.strictObject({
  /** A request offering such a tool: refuse it with tool_not_allowed, or strip the tool and send the rest. */
  offered: z.enum(['refuse', 'strip'], { error: 'expected refuse or strip' }).default('refuse'),
  /** An answer calling such a tool: refuse it with tool_not_allowed (the call is still charged), or flag it in the ledger and relay it. */
  called: z.enum(['refuse', 'flag'], { error: 'expected refuse or flag' }).default('refuse'),
  /** How long a tool call waits for a person's approval before it counts as denied. */
  approvalTimeoutInSeconds: positiveInteger.default(900),
  /** shadow: the whole tool policy is only judged; denials and holds are recorded as shadow decisions, nothing is refused, stripped or held. */
  mode: enforcementMode.default('enforce'),
});

export const loggingSchema = z.strictObject({
  level: z.enum(['debug', 'info', 'warn', 'error', 'silent'], { error: 'expected one of debug, info, warn, error, silent' }).default('info'),
  /** One line per request (id, key, model, status, cost, latency; never bodies or keys). */
  requests: z.boolean().default(true),
});

/** Gateway sections of the config; the SDK ignores them. */
export const gatewayConfigShape = {
  server: serverSchema.default(() => serverSchema.parse({})),
  storage: storageSchema.default(() => storageSchema.parse({})),
  admin: adminSchema.default(() => adminSchema.parse({})),
  /** Upstreams by name. Without any, `warden serve` runs the simulated provider. */
  providers: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, { error: 'a provider name is lowercase letters, digits, - and _' }), providerSchema).default({}),
  /** Which provider serves a model, where the catalogue or the provider's models list does not say. */
  models: z.record(z.string(), z.string()).default({}),
  /** Named lists of models, cheapest first within a tier is not assumed: order is preference. */
  tiers: z.record(tierName, z.array(z.string().min(1)).min(1, { error: 'a tier needs at least one model' })).default({}),
  routing: routingSchema.default(() => routingSchema.parse({})),
  /** Models to try, in order, when a model's upstream fails (429, 5xx, timeout) or its budget refuses. */
  fallbacks: z.record(z.string(), z.array(z.string().min(1))).default({}),
  circuitBreaker: circuitBreakerSchema.default(() => circuitBreakerSchema.parse({})),
  upstream: upstreamSchema.default(() => upstreamSchema.parse({})),
  cache: cacheSchema.default(() => cacheSchema.parse({})),
  toolChecks: toolChecksSchema.default(() => toolChecksSchema.parse({})),
  logging: loggingSchema.default(() => loggingSchema.parse({})),
} as const;

export type ProviderConfig = z.output<typeof providerSchema>;
export type RoutingRuleConfig = z.output<typeof routingRuleSchema>;
export type RoutingConditionConfig = z.output<typeof routingConditionSchema>;
export type RoutingConfig = z.output<typeof routingSchema>;
export type CircuitBreakerConfig = z.output<typeof circuitBreakerSchema>;
export type CacheConfig = z.output<typeof cacheSchema>;
export type StorageConfig = z.output<typeof storageSchema>;
