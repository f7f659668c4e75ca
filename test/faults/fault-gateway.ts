import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, expect } from 'vitest';
import type { WardenConfigInput } from '../../src/core/parse-config.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createGatewayHarness, hello, type GatewayHarness } from '../e2e/gateway-harness.js';
import { budgetsOnEveryScope, createErrorLog, recordReservedLines, type LineRecordingStore } from './fault-checks.js';

export type OpenAIError = InstanceType<typeof OpenAI.APIError>;
export type AnthropicError = InstanceType<typeof Anthropic.APIError>;

/** A gateway in front of the mock, budgets on every scope, and the official clients of one key. */
export interface FaultGateway {
  gateway: GatewayHarness;
  key: string;
  openai: OpenAI;
  anthropic: Anthropic;
  /** Every budget line a call reserved on, for expectNoLeakedReservations. */
  recording: LineRecordingStore;
  /** What the gateway logged at error level: a fault must never be an internal error. */
  errors: string[];
  /** Headers every client call sends (a task, so task budgets are reserved too). */
  headers: Record<string, string>;
}

/** Starts a fault gateway; the mock answers 10 input and 12 output tokens until a test says otherwise. */
export async function startFaultGateway(options: { config?: WardenConfigInput; taskId: string }): Promise<FaultGateway> {
  const recording = recordReservedLines(createMemoryStore());
  const { logger, errors } = createErrorLog();
  const gateway = await createGatewayHarness({ store: recording.store, config: { budgets: budgetsOnEveryScope, ...options.config }, logger });
  gateway.mock.setBehavior({ inputTokens: 10, outputTokens: 12 });
  const { key } = await gateway.client({ team: 'agents' });
  const headers = { 'x-warden-task': options.taskId };
  return {
    gateway,
    key,
    openai: new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, defaultHeaders: headers }),
    anthropic: new Anthropic({ apiKey: key, baseURL: gateway.url, defaultHeaders: headers }),
    recording,
    errors,
    headers,
  };
}

/** The upstream-fault suites' gateway: small upstream timeouts, so a hang or a stalled stream is over in a fraction of a second, and one retry. */
export const upstreamFaultConfig: WardenConfigInput = {
  upstream: { headersTimeoutInMs: 300, bodyTimeoutInMs: 300 },
  retry: { maxRetries: 1, initialDelayInMs: 1, maxDelayInMs: 5 },
};

/** For a test file: `start()` gives each test its own fault gateway (with `config`, or the one it is given), closed after it. */
export function faultGatewaySuite(options: { taskId: string; config?: WardenConfigInput }): { start: (config?: WardenConfigInput) => Promise<FaultGateway> } {
  let current: FaultGateway | undefined;
  afterEach(async () => {
    await current?.gateway.close();
    current = undefined;
  });
  return {
    async start(config) {
      const chosen = config ?? options.config;
      current = await startFaultGateway({ taskId: options.taskId, ...(chosen === undefined ? {} : { config: chosen }) });
      return current;
    },
  };
}

/** After the fault: nothing was an internal error, and the same gateway answers an ordinary call on both routes. */
export async function expectServesNext(fault: FaultGateway): Promise<void> {
  expect(fault.errors).toEqual([]);
  fault.gateway.mock.reset();
  fault.gateway.mock.setBehavior({ inputTokens: 10, outputTokens: 12 });
  const completion = await fault.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 });
  expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
  const message = await fault.anthropic.messages.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 50 });
  expect(message.content[0]?.type).toBe('text');
}

/** The error a call failed with; fails the test when it succeeded. */
export async function caught<T>(promise: Promise<T>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

/** The request id the gateway put on an error answer. */
export function requestIdOf(error: OpenAIError | AnthropicError): string {
  const requestId = error.headers?.get('x-warden-request-id');
  expect(requestId).toBeTruthy();
  return requestId as string;
}

/** Reads an OpenAI chat stream to its end or its error; what arrived and how it ended. */
export async function drainOpenAiStream(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>): Promise<{ text: string; finishReason: string | null | undefined; error: unknown }> {
  let text = '';
  let finishReason: string | null | undefined;
  try {
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
  } catch (error) {
    return { text, finishReason, error };
  }
  return { text, finishReason, error: undefined };
}

/** Reads an Anthropic event stream to its end or its error. */
export async function drainAnthropicStream(stream: AsyncIterable<Anthropic.Messages.RawMessageStreamEvent>): Promise<{ text: string; types: string[]; error: unknown }> {
  let text = '';
  const types: string[] = [];
  try {
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
  } catch (error) {
    return { text, types, error };
  }
  return { text, types, error: undefined };
}
