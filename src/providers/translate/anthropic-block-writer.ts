import type { JsonRecord } from '../json-fields.js';
import { formatSseFrame } from './sse-frame.js';

/**
 * Writes Anthropic content blocks as SSE events, opening and closing them as the content kind
 * changes. Each method returns the SSE text to send.
 */
export interface AnthropicBlockWriter {
  text(value: string): string;
  /** Continues the tool call open under `toolIndex`, or opens a new tool_use block for it. */
  toolCall(options: { toolIndex: number; id: string; name: string; argumentsText: string | undefined }): string;
  /** True when `toolIndex` was opened and already closed, so more of it cannot be relayed. */
  isToolClosed(toolIndex: number): boolean;
  close(): string;
}

type OpenBlock = { kind: 'text'; index: number } | { kind: 'tool'; index: number; toolIndex: number };

/** An SSE frame whose `event:` line repeats the payload's type, as Anthropic sends them. */
export function formatAnthropicEvent(payload: JsonRecord): string {
  return formatSseFrame(payload, String(payload.type));
}

/** Creates a block writer that numbers blocks from 0 in the order they open. */
export function createAnthropicBlockWriter(): AnthropicBlockWriter {
  let openBlock: OpenBlock | undefined;
  let blockCount = 0;
  const closedTools = new Set<number>();

  function close(): string {
    if (openBlock === undefined) return '';
    if (openBlock.kind === 'tool') closedTools.add(openBlock.toolIndex);
    const index = openBlock.index;
    openBlock = undefined;
    return formatAnthropicEvent({ type: 'content_block_stop', index });
  }

  function open(block: OpenBlock, contentBlock: JsonRecord): string {
    const closing = close();
    openBlock = block;
    blockCount += 1;
    return closing + formatAnthropicEvent({ type: 'content_block_start', index: block.index, content_block: contentBlock });
  }

  const delta = (index: number, value: JsonRecord): string => formatAnthropicEvent({ type: 'content_block_delta', index, delta: value });

  return {
    text(value) {
      let out = '';
      if (openBlock?.kind !== 'text') out += open({ kind: 'text', index: blockCount }, { type: 'text', text: '' });
      return out + delta(openBlock?.index ?? 0, { type: 'text_delta', text: value });
    },
    toolCall({ toolIndex, id, name, argumentsText }) {
      let out = '';
      if (openBlock?.kind !== 'tool' || openBlock.toolIndex !== toolIndex) {
        out += open({ kind: 'tool', index: blockCount, toolIndex }, { type: 'tool_use', id, name, input: {} });
      }
      if (argumentsText === undefined) return out;
      return out + delta(openBlock?.index ?? 0, { type: 'input_json_delta', partial_json: argumentsText });
    },
    isToolClosed: (toolIndex) => closedTools.has(toolIndex),
    close,
  };
}
