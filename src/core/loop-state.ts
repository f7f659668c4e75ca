import type { LoopAction } from './loop-detection-config-schema.js';

/** Why a task was judged looping or stuck. */
export type LoopReason = 'repeated-request' | 'repeated-tool-call' | 'oscillation' | 'no-progress' | 'consecutive-failures';

/** A loop or a stuck task, with the configured action to take. */
export interface LoopDetection {
  kind: 'loop' | 'stuck';
  reason: LoopReason;
  /** How many times the pattern was seen (calls, repeats, cycles or failures). */
  count: number;
  /** The configured threshold it reached. */
  threshold: number;
  /** One sentence for the ledger and error messages. */
  detail: string;
  action: LoopAction;
  /** The same detection fired on the task's previous call too: alert once per episode, not per call. */
  ongoing: boolean;
}

export type LoopVerdict = { kind: 'ok' } | LoopDetection;

/** What the detector keeps of one call: fingerprints, never content. */
export interface LoopCallRecord {
  timeInMs: number;
  failed: boolean;
  requestFingerprint: string;
  /** The request carried a tool result, user or system message not seen before in the task. */
  newInput: boolean;
  /** The request carried an assistant reply not seen before in the task. */
  newReply: boolean;
  /** The response made a tool call not made before in the task. */
  newAction: boolean;
  /** All tool calls of the response together; absent when it made none. */
  toolCallsFingerprint?: string;
  toolCallsLabel?: string;
  /** The results of those tool calls, set when the task's next successful request carries them. */
  resultsFingerprint?: string;
}

/**
 * Per-task detector state: plain, serialisable data, so a store can keep it between calls.
 * Treat it as opaque and replace it with the state observeCall returns.
 */
export interface LoopState {
  /** The task's most recent calls, oldest first, at most `window` of them. */
  calls: LoopCallRecord[];
  /** Message fingerprints of the last successful request, to find what the next one adds. */
  lastMessageFingerprints: string[];
  /** Hashes of the same messages' exact text, to skip normalising what was sent before. */
  lastMessageRawHashes: string[];
  /** Fingerprints of messages and tool calls seen in the task, most recent last, bounded. */
  seenFingerprints: string[];
  consecutiveFailures: number;
  callsWithoutProgress: number;
  /** Keys of the detections that fired on the last call, so `ongoing` can be told. */
  activeDetections: string[];
  /** Set when a detection with action refuse or pause fired; the task stays halted until resumed. */
  halt?: { detection: LoopDetection; sinceInMs: number };
}

/** The state of a task no call has been observed for. */
export function createLoopState(): LoopState {
  return { calls: [], lastMessageFingerprints: [], lastMessageRawHashes: [], seenFingerprints: [], consecutiveFailures: 0, callsWithoutProgress: 0, activeDetections: [] };
}

/**
 * The state after a person approved continuing (pause) or an operator cleared a refused task:
 * the halt and the evidence in the window are dropped, what the task has seen is kept.
 */
export function resumeLoopState(state: LoopState): LoopState {
  return { ...createLoopState(), lastMessageFingerprints: state.lastMessageFingerprints, lastMessageRawHashes: state.lastMessageRawHashes, seenFingerprints: state.seenFingerprints };
}
