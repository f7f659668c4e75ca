import type { ObservedToolCall } from '../core/loop-observation.js';
import type { SseEvent } from '../core/sse-parser.js';
import { noToolCallProgress, type StreamedToolCall, type ToolCallProgress } from '../core/tool-call-hold.js';
import type { Dialect } from './estimate-input-tokens.js';
import { isRecord, parseJsonRecord } from './json-fields.js';

/** Follows the tool calls a streamed answer makes, event by event, and says when each is complete. */
export interface StreamToolCalls {
  /** Reads one event: the calls it carries a part of, and the calls complete once it is in. */
  push(event: SseEvent): ToolCallProgress;
  /** The same for an event an SDK has already parsed (a chunk object of the official clients). */
  read(payload: unknown): ToolCallProgress;
  /** The stream has ended: the calls still open, complete as far as they go. */
  end(): StreamedToolCall[];
  /** Every call seen so far, in order, arguments as streamed. */
  calls(): ObservedToolCall[];
}

interface OpenCall {
  /** Changes when parts arrive for a call already complete, so the whole call is decided again. */
  key: string;
  name: string;
  argumentsJson: string;
  complete: boolean;
  /** The choice (chat) whose finish completes it. */
  group: number;
  /** Arguments the opening event gave whole (Anthropic `input`), used when no delta follows. */
  initialArgumentsJson?: string;
}

type Reader = (payload: Record<string, unknown>, calls: CallBook) => void;

/**
 * Chat Completions (`delta.tool_calls`, by choice and index; a call is complete when a later index
 * starts or its choice finishes), Anthropic Messages (a `tool_use` block from `content_block_start`
 * to `content_block_stop`) and the Responses API (a `function_call` item from `output_item.added`
 * to `output_item.done`). Events that cannot carry a call are not parsed while none is open.
 * @example const progress = toolCalls.push(event); if (progress.touches.length > 0) hold(event);
 */
export function createStreamToolCalls(dialect: Dialect): StreamToolCalls {
  const book = new CallBook();
  const reader = readers[dialect];
  const read = (payload: unknown): ToolCallProgress => {
    if (reader === undefined || !isRecord(payload)) return noToolCallProgress;
    reader(payload, book);
    return book.takeProgress();
  };
  return {
    push(event) {
      if (reader === undefined) return noToolCallProgress;
      if (event.data === '[DONE]') {
        book.completeAll();
        return book.takeProgress();
      }
      if (!book.hasOpen && !event.data.includes(markers[dialect] ?? '')) return noToolCallProgress;
      return read(parseJsonRecord(event.data));
    },
    read,
    end() {
      book.completeAll();
      return book.takeProgress().completes.slice();
    },
    calls: () => book.observed(),
  };
}

/** The text any event opening a call contains, so other events are skipped unparsed while none is open. */
const markers: Partial<Record<Dialect, string>> = {
  'openai-chat': '"tool_calls"',
  'anthropic-messages': '"tool_use"',
  'openai-responses': '"function_call"',
};

const readers: Partial<Record<Dialect, Reader>> = {
  'openai-chat': (payload, book) => {
    const choices = Array.isArray(payload.choices) ? payload.choices : [];
    // The extra final chunk that carries usage has no choices: the answer is over.
    if (choices.length === 0) book.completeAll();
    for (const choice of choices) {
      if (!isRecord(choice)) continue;
      const group = typeof choice.index === 'number' ? choice.index : 0;
      const delta = isRecord(choice.delta) ? choice.delta : {};
      for (const part of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
        if (!isRecord(part) || typeof part.index !== 'number') continue;
        // OpenAI streams a choice's calls one after another: a later index means the earlier ones are whole.
        book.completeWhere((call, id) => call.group === group && Number(id.split('.')[1]) < (part.index as number));
        const fn = isRecord(part.function) ? part.function : {};
        book.touch(`${group}.${part.index}`, { group, name: typeof fn.name === 'string' ? fn.name : '', argumentsJson: typeof fn.arguments === 'string' ? fn.arguments : '' });
      }
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) book.completeWhere((call) => call.group === group);
    }
  },
  'anthropic-messages': (payload, book) => {
    const id = typeof payload.index === 'number' ? String(payload.index) : '';
    if (payload.type === 'content_block_start') {
      const block = payload.content_block;
      if (isRecord(block) && block.type === 'tool_use' && typeof block.name === 'string') {
        const input = isRecord(block.input) && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : undefined;
        book.touch(id, { group: 0, name: block.name, argumentsJson: '', ...(input === undefined ? {} : { initialArgumentsJson: input }) });
      }
    } else if (payload.type === 'content_block_delta' && book.isOpen(id)) {
      const delta = isRecord(payload.delta) ? payload.delta : {};
      book.touch(id, { group: 0, name: '', argumentsJson: delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' ? delta.partial_json : '' });
    } else if (payload.type === 'content_block_stop' && book.isOpen(id)) {
      book.touch(id, { group: 0, name: '', argumentsJson: '' });
      book.completeWhere((_, callId) => callId === id);
    } else if (payload.type === 'message_delta' || payload.type === 'message_stop') {
      book.completeAll();
    }
  },
  'openai-responses': (payload, book) => {
    const id = typeof payload.output_index === 'number' ? String(payload.output_index) : '';
    const item = isRecord(payload.item) ? payload.item : undefined;
    const isCall = item?.type === 'function_call' && typeof item.name === 'string';
    if (payload.type === 'response.output_item.added' && isCall) {
      book.touch(id, { group: 0, name: item.name as string, argumentsJson: typeof item.arguments === 'string' ? item.arguments : '' });
    } else if (payload.type === 'response.function_call_arguments.delta' && book.isOpen(id)) {
      book.touch(id, { group: 0, name: '', argumentsJson: typeof payload.delta === 'string' ? payload.delta : '' });
    } else if (payload.type === 'response.function_call_arguments.done' && book.isOpen(id)) {
      book.touch(id, { group: 0, name: '', argumentsJson: '' }, typeof payload.arguments === 'string' ? payload.arguments : undefined);
    } else if (payload.type === 'response.output_item.done' && isCall && book.isOpen(id)) {
      // The finished item's arguments are the whole text: they win over the deltas.
      book.touch(id, { group: 0, name: '', argumentsJson: '' }, typeof item.arguments === 'string' ? item.arguments : undefined);
      book.completeWhere((_, callId) => callId === id);
    } else if (payload.type === 'response.completed' || payload.type === 'response.incomplete' || payload.type === 'response.failed') {
      book.completeAll();
    }
  },
};

/** The calls of one stream by their position id (`0`, or `choice.index` for chat), with what the current event did. */
class CallBook {
  private readonly byId = new Map<string, OpenCall>();
  private generation = 0;
  private touched: string[] = [];
  private completed: StreamedToolCall[] = [];

  get hasOpen(): boolean {
    for (const call of this.byId.values()) if (!call.complete) return true;
    return false;
  }

  isOpen(id: string): boolean {
    const call = this.byId.get(id);
    return call !== undefined && !call.complete;
  }

  /** Adds a part to a call (opening it, or reopening one already decided); `wholeArgumentsJson` replaces what came before. */
  touch(id: string, part: { group: number; name: string; argumentsJson: string; initialArgumentsJson?: string }, wholeArgumentsJson?: string): void {
    let call = this.byId.get(id);
    if (call === undefined) {
      call = { key: this.nextKey(id), name: '', argumentsJson: '', complete: false, group: part.group };
      this.byId.set(id, call);
    } else if (call.complete) {
      call.complete = false;
      call.key = this.nextKey(id);
    }
    call.name += part.name;
    call.argumentsJson = wholeArgumentsJson ?? call.argumentsJson + part.argumentsJson;
    if (part.initialArgumentsJson !== undefined) call.initialArgumentsJson = part.initialArgumentsJson;
    if (!this.touched.includes(call.key)) this.touched.push(call.key);
  }

  completeWhere(matches: (call: OpenCall, id: string) => boolean): void {
    for (const [id, call] of this.byId) {
      if (call.complete || !matches(call, id)) continue;
      call.complete = true;
      this.completed.push(streamed(call));
    }
  }

  completeAll(): void {
    this.completeWhere(() => true);
  }

  takeProgress(): ToolCallProgress {
    const progress = this.touched.length === 0 && this.completed.length === 0 ? noToolCallProgress : { touches: this.touched, completes: this.completed };
    this.touched = [];
    this.completed = [];
    return progress;
  }

  observed(): ObservedToolCall[] {
    return [...this.byId.values()].filter((call) => call.name !== '').map((call) => ({ name: call.name, argumentsJson: argumentsOf(call) }));
  }

  private nextKey(id: string): string {
    this.generation += 1;
    return `${id}#${this.generation}`;
  }
}

function streamed(call: OpenCall): StreamedToolCall {
  return { key: call.key, name: call.name, argumentsJson: argumentsOf(call) };
}

function argumentsOf(call: OpenCall): string {
  if (call.argumentsJson !== '') return call.argumentsJson;
  return call.initialArgumentsJson ?? '{}';
}
