import type { AnthropicDocumentBlock, AnthropicImageBlock, AnthropicTextBlock } from './anthropic-wire-types.js';
import { parseDataUrl } from './data-url.js';
import { untranslatableFieldError } from './field-errors.js';
import { requireArray, requireRecord, requireString } from './required-fields.js';

/** Image media types the Messages API accepts. */
export const anthropicImageMediaTypes: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** A user message's content as Anthropic content: text, images and PDF files. */
export function chatUserContentToAnthropic(
  content: unknown,
  field: string,
): string | Array<AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock> {
  if (typeof content === 'string') return content;
  const blocks: Array<AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock> = [];
  for (const [index, part] of requireArray(content, field).entries()) {
    const partField = `${field}[${index}]`;
    const record = requireRecord(part, partField);
    if (record.type === 'text') pushText(blocks, requireString(record.text, `${partField}.text`));
    else if (record.type === 'image_url') blocks.push(imageBlock(record.image_url, `${partField}.image_url`));
    else if (record.type === 'file') blocks.push(documentBlock(record.file, `${partField}.file`));
    else throw untranslatableFieldError(`${partField}.type`, 'anthropic', `content parts of type ${JSON.stringify(record.type)} have no Anthropic equivalent`);
  }
  return blocks;
}

/**
 * Content that may only hold text (system, tool and assistant messages) as a string or text
 * blocks. Assistant `refusal` parts were shown to the user as text, so they count as text.
 */
export function chatTextContentToAnthropic(content: unknown, field: string, options: { allowRefusal?: boolean } = {}): string | AnthropicTextBlock[] {
  if (typeof content === 'string') return content;
  const blocks: AnthropicTextBlock[] = [];
  for (const [index, part] of requireArray(content, field).entries()) {
    const partField = `${field}[${index}]`;
    const record = requireRecord(part, partField);
    if (record.type === 'text') pushText(blocks, requireString(record.text, `${partField}.text`));
    else if (record.type === 'refusal' && options.allowRefusal === true) pushText(blocks, requireString(record.refusal, `${partField}.refusal`));
    else throw untranslatableFieldError(`${partField}.type`, 'anthropic', `only text parts are allowed here, got ${JSON.stringify(record.type)}`);
  }
  return blocks;
}

// The Messages API rejects empty text blocks; OpenAI accepts them and they say nothing.
function pushText(blocks: Array<AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock>, text: string): void {
  if (text !== '') blocks.push({ type: 'text', text });
}

function imageBlock(imageUrl: unknown, field: string): AnthropicImageBlock {
  // `detail` is dropped: Anthropic has no resolution hint and sizes images itself.
  const url = requireString(requireRecord(imageUrl, field).url, `${field}.url`);
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  const dataUrl = parseDataUrl(url);
  if (dataUrl === undefined) throw untranslatableFieldError(`${field}.url`, 'anthropic', 'only http(s) URLs and base64 data: URLs can be sent');
  if (!anthropicImageMediaTypes.has(dataUrl.mediaType)) {
    throw untranslatableFieldError(`${field}.url`, 'anthropic', `Anthropic accepts JPEG, PNG, GIF and WebP images, not ${dataUrl.mediaType}`);
  }
  return { type: 'image', source: { type: 'base64', media_type: dataUrl.mediaType, data: dataUrl.base64Data } };
}

function documentBlock(file: unknown, field: string): AnthropicDocumentBlock {
  const record = requireRecord(file, field);
  if (record.file_id !== undefined) throw untranslatableFieldError(`${field}.file_id`, 'anthropic', 'OpenAI file ids mean nothing to Anthropic; send file_data instead');
  const dataUrl = parseDataUrl(requireString(record.file_data, `${field}.file_data`));
  if (dataUrl?.mediaType !== 'application/pdf') {
    throw untranslatableFieldError(`${field}.file_data`, 'anthropic', 'only base64 PDF data: URLs can be sent as Anthropic documents');
  }
  const block: AnthropicDocumentBlock = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: dataUrl.base64Data } };
  if (typeof record.filename === 'string' && record.filename !== '') block.title = record.filename;
  return block;
}
