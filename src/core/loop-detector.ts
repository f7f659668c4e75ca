import { detectLoopPatterns, type PatternDetection } from './detect-loop-patterns.js';
import { fingerprintMessage, fingerprintToolCall } from './fingerprint-call.js';
import { hashText } from './hash-text.js';
import type { LoopDetectionConfig } from './loop-detection-config-schema.js';
import type { LoopObservation } from './loop-observation.js';
import type { LoopCallRecord, LoopDetection, LoopState, LoopVerdict } from './loop-state.js';

// Enough for the content of a long agent run; older fingerprints fall out, newest kept.
const seenFingerprintLimit = 1000;

export interface ObserveCallResult {
  state: LoopState;
  verdict: LoopVerdict;
}

/**
 * Records one finished LLM call of a task and judges whether the task loops or is stuck.
 * Pure: the input state is not changed. A detection with action refuse or pause also sets
 * `state.halt`; refuse or hold the task's next calls while it is set, until resumeLoopState.
 * @example
 * const { state, verdict } = observeCall(previous, { messages, toolCalls, failed: false, timeInMs: clock.now() }, config);
 * if (verdict.kind !== 'ok' && !verdict.ongoing) recordLoopDetect(verdict);
 */
export function observeCall(state: LoopState, observation: LoopObservation, config: LoopDetectionConfig): ObserveCallResult {
  const rawHashes = observation.messages.map((message) => hashText(`${message.role}\n${message.text}`));
  // Normalising is the costly part and histories are resent whole: reuse what did not change.
  const messageFingerprints = observation.messages.map((message, index) =>
    rawHashes[index] === state.lastMessageRawHashes[index] ? (state.lastMessageFingerprints[index] ?? fingerprintMessage(message)) : fingerprintMessage(message),
  );
  const requestFingerprint = hashText(messageFingerprints.join(','));

  if (observation.failed) {
    const record: LoopCallRecord = { timeInMs: observation.timeInMs, failed: true, requestFingerprint, newInput: false, newReply: false, newAction: false };
    const failures = state.consecutiveFailures + 1;
    const detections: PatternDetection[] = [];
    if (failures > config.maxConsecutiveFailures) detections.push(consecutiveFailures(failures, config));
    // A failure says nothing about repeats or progress, so those episodes stay as they were.
    const carried = state.activeDetections.filter((key) => key !== 'consecutive-failures');
    return conclude({ ...state, calls: windowed([...state.calls, record], config), consecutiveFailures: failures }, detections, carried, observation.timeInMs, config);
  }

  const seen = new Set(state.seenFingerprints);
  const added = addedSinceLastRequest(state.lastMessageFingerprints, messageFingerprints);
  const addedMessages = added.map((index) => ({ message: observation.messages[index], fingerprint: messageFingerprints[index] ?? '' }));
  const newInput = addedMessages.some(({ message, fingerprint }) => message?.role !== 'assistant' && !seen.has(fingerprint));
  const newReply = addedMessages.some(({ message, fingerprint }) => message?.role === 'assistant' && !seen.has(fingerprint));
  const toolCalls = observation.toolCalls.map(fingerprintToolCall);
  const newAction = toolCalls.some(({ fingerprint }) => !seen.has(fingerprint));

  const record: LoopCallRecord = { timeInMs: observation.timeInMs, failed: false, requestFingerprint, newInput, newReply, newAction };
  if (toolCalls.length > 0) {
    record.toolCallsFingerprint = hashText(toolCalls.map(({ fingerprint }) => fingerprint).join(','));
    record.toolCallsLabel = toolCalls.map(({ label }) => label).join(' + ');
  }
  const results = addedMessages.filter(({ message }) => message?.role === 'tool').map(({ fingerprint }) => fingerprint);
  const calls = windowed([...withResults(state.calls, hashText(results.join(','))), record], config);

  const fresh = [...addedMessages.map(({ fingerprint }) => fingerprint), ...toolCalls.map(({ fingerprint }) => fingerprint)].filter((fingerprint) => !seen.has(fingerprint));
  const callsWithoutProgress = newInput || newReply || newAction ? 0 : state.callsWithoutProgress + 1;
  const detections = detectLoopPatterns(calls, config);
  if (callsWithoutProgress >= config.noProgressThreshold) detections.push(noProgress(callsWithoutProgress, config));

  const next: LoopState = {
    ...state,
    calls,
    lastMessageFingerprints: messageFingerprints,
    lastMessageRawHashes: rawHashes,
    seenFingerprints: [...state.seenFingerprints, ...new Set(fresh)].slice(-seenFingerprintLimit),
    consecutiveFailures: 0,
    callsWithoutProgress,
  };
  return conclude(next, detections, [], observation.timeInMs, config);
}

function conclude(state: LoopState, detections: PatternDetection[], carried: string[], timeInMs: number, config: LoopDetectionConfig): ObserveCallResult {
  const keys = detections.map(({ key }) => key);
  const activeDetections = [...new Set([...carried, ...keys])];
  const first = detections[0];
  if (first === undefined) return { state: { ...state, activeDetections }, verdict: { kind: 'ok' } };
  const { key, ...rest } = first;
  const detection: LoopDetection = { ...rest, action: config.action, ongoing: state.activeDetections.includes(key) };
  const halt = state.halt ?? (config.action === 'alert' ? undefined : { detection, sinceInMs: timeInMs });
  return { state: { ...state, activeDetections, ...(halt === undefined ? {} : { halt }) }, verdict: detection };
}

/** Indexes of the messages after the part the request shares with the previous one. */
function addedSinceLastRequest(previous: readonly string[], current: readonly string[]): number[] {
  let shared = 0;
  while (shared < previous.length && shared < current.length && previous[shared] === current[shared]) shared += 1;
  return current.map((_, index) => index).slice(shared);
}

/** The last successful call's tool calls get their results from the request that follows it. */
function withResults(calls: readonly LoopCallRecord[], resultsFingerprint: string): LoopCallRecord[] {
  const index = calls.findLastIndex((call) => !call.failed);
  const previous = calls[index];
  if (previous === undefined || previous.toolCallsFingerprint === undefined || previous.resultsFingerprint !== undefined) return [...calls];
  return calls.map((call, position) => (position === index ? { ...call, resultsFingerprint } : call));
}

function windowed(calls: LoopCallRecord[], config: LoopDetectionConfig): LoopCallRecord[] {
  return calls.slice(-config.window);
}

function consecutiveFailures(count: number, config: LoopDetectionConfig): PatternDetection {
  return {
    kind: 'stuck',
    reason: 'consecutive-failures',
    count,
    threshold: config.maxConsecutiveFailures,
    detail: `${count} upstream calls in a row failed (maxConsecutiveFailures is ${config.maxConsecutiveFailures})`,
    key: 'consecutive-failures',
  };
}

function noProgress(count: number, config: LoopDetectionConfig): PatternDetection {
  return {
    kind: 'stuck',
    reason: 'no-progress',
    count,
    threshold: config.noProgressThreshold,
    detail: `${count} calls in a row brought no new tool result, message or tool call (noProgressThreshold is ${config.noProgressThreshold})`,
    key: 'no-progress',
  };
}
