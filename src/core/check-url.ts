/** Whether a URL may be fetched, or why not. */
export type UrlCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether a URL is http(s), carries no user or password, and names an allowed host: exactly,
 * or below a `*.example.com` pattern (which does not admit `example.com` itself).
 * @example checkUrl('https://api.github.com/repos', ['api.github.com', '*.npmjs.org']) // { ok: true }
 */
export function checkUrl(value: string, hosts: readonly string[]): UrlCheck {
  const shown = JSON.stringify(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    if (error instanceof TypeError) return { ok: false, reason: `${shown} is not an absolute URL` };
    throw error;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `URL ${shown} uses the ${url.protocol.slice(0, -1)} scheme; only http and https are allowed` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: `URL ${shown} carries credentials before "@"; put them in the tool's configuration, never in a URL` };
  }
  // WHATWG parsing already lowercased the host and undid tricks such as `\` or percent-encoding.
  const host = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
  const allowed = hosts.some((pattern) => {
    const lower = pattern.toLowerCase();
    return lower.startsWith('*.') ? host.endsWith(lower.slice(1)) : host === lower;
  });
  if (!allowed) return { ok: false, reason: `URL ${shown} goes to host ${host}, which is not among the allowed hosts (${hosts.join(', ')}); add it under urls.hosts to allow it` };
  return { ok: true };
}
