import type { ChatMessage } from './chat-wire-types.js';
import { anthropicAssistantTurnToChat, anthropicTextContentToChat, anthropicUserTurnToChat } from './anthropic-content-to-chat.js';
import { malformedFieldError, untranslatableFieldError } from './field-errors.js';
import { requireArray, requireRecord } from './required-fields.js';

/**
 * `system` and `messages` as one chat message list: the system prompt first, each user turn as
 * its tool messages plus a user message, each assistant turn as one assistant message.
 */
export function anthropicMessagesToChat(system: unknown, messages: unknown): ChatMessage[] {
  const translated: ChatMessage[] = [];
  if (system !== undefined && system !== null) {
    const content = anthropicTextContentToChat(system, 'system', 'only text blocks can form an OpenAI system message');
    if (content !== '' && content.length > 0) translated.push({ role: 'system', content });
  }
  const list = requireArray(messages, 'messages');
  for (const [index, message] of list.entries()) {
    const field = `messages[${index}]`;
    const record = requireRecord(message, field);
    if (record.role === 'user') translated.push(...anthropicUserTurnToChat(record.content, `${field}.content`));
    else if (record.role === 'assistant') {
      // A final assistant turn is a prefill Anthropic would continue; an OpenAI model would answer it afresh.
      if (index === list.length - 1) throw untranslatableFieldError(field, 'openai', 'a conversation that ends with an assistant message (a prefill) cannot be continued');
      const turn = anthropicAssistantTurnToChat(record.content, `${field}.content`);
      if (turn !== undefined) translated.push(turn);
    } else throw malformedFieldError(`${field}.role`, '"user" or "assistant"');
  }
  return translated;
}
