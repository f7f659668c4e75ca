import { WardenError } from '../core/warden-error.js';

/**
 * A percent-encoded part of a request path (a key, approval or task id), decoded; a malformed
 * escape like `%ZZ` is the client's mistake, so it is invalid_request rather than a URIError.
 * @example decodePathPart('team%3Aresearch') // 'team:research'
 */
export function decodePathPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    throw new WardenError('invalid_request', `The path part "${text}" has a malformed percent escape; encode it with encodeURIComponent.`, { details: { pathPart: text } });
  }
}
