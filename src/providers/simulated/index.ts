export { createMockUpstream, type MockUpstream, type MockUpstreamOptions } from './create-mock-upstream.js';
export {
  createMockUpstreamHandler,
  type MockUpstreamHandler,
  type MockUpstreamHandlerOptions,
} from './create-mock-upstream-handler.js';
export { defaultMockBehavior, type MockBehavior, type MockFault } from './mock-behavior.js';
export type { MockDialect, MockRequestOutcome, RecordedRequest } from './mock-request-context.js';
export {
  countMockOutputTokens,
  countMockTextTokens,
  messageFramingTokens,
  mockOutputSlice,
  mockOutputText,
  replyPrimingTokens,
} from './mock-tokens.js';
export {
  countEmbeddingInputTokens,
  tallyAnthropicInput,
  tallyOpenAiChatInput,
  tallyOpenAiResponsesInput,
} from './mock-input-tokens.js';
