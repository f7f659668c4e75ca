import type { ObservedToolCall } from '../core/loop-observation.js';
import { createToolCallHold, type StreamedToolCall, type ToolCallProgress } from '../core/tool-call-hold.js';
import type { WardenError } from '../core/warden-error.js';

/**
 * Holds back the client text of a relayed stream's tool calls until each call is complete and
 * the tool policy has decided it: text before and after passes at once; an allowed call's text
 * goes out unchanged and in order; a refused one never does.
 */
export interface StreamToolGate {
  /** Takes the client text one upstream event became and what it did to the tool calls; returns the text to write now. */
  push(text: string, progress: ToolCallProgress): string;
  /** The upstream has ended: decides the calls still open; resolves once everything held is written or refused. */
  end(openCalls: readonly StreamedToolCall[]): Promise<void>;
}

/**
 * Creates the gate for one stream. Decisions run one at a time in the order calls complete;
 * `write` gets the text they free, `refuse` the first refusal (after which nothing more is written),
 * `fail` a decision that threw.
 * @example const gate = createStreamToolGate({ decide: (call) => checkStreamedToolCall({ context, call, who }), write, refuse, fail });
 */
export function createStreamToolGate(options: {
  decide: (call: ObservedToolCall) => Promise<WardenError | undefined>;
  write: (text: string) => void;
  refuse: (error: WardenError) => void;
  fail: (error: unknown) => void;
}): StreamToolGate {
  const hold = createToolCallHold<string>();
  let stopped = false;
  let decisions: Promise<void> = Promise.resolve();
  const decide = (call: StreamedToolCall): void => {
    decisions = decisions.then(async () => {
      if (stopped) return;
      try {
        const refusal = await options.decide({ name: call.name, argumentsJson: call.argumentsJson });
        if (stopped) return;
        if (refusal === undefined) {
          options.write(hold.allow(call.key).join(''));
          return;
        }
        stopped = true;
        options.refuse(refusal);
      } catch (error) {
        stopped = true;
        options.fail(error);
      }
    });
  };
  return {
    push(text, progress) {
      if (stopped) return '';
      const { release, decide: complete } = hold.push(text, progress);
      for (const call of complete) decide(call);
      return release.length === 1 ? (release[0] as string) : release.join('');
    },
    end(openCalls) {
      for (const call of openCalls) decide(call);
      return decisions;
    },
  };
}
