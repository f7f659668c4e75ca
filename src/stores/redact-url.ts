/**
 * A connection URL fit for logs and errors: its password (in the user part, or a `password` query
 * parameter, which pg accepts) replaced by "***". A URL that does not parse is not echoed at all.
 * @example redactUrl('postgres://warden:s3cret@db:5432/warden') // 'postgres://warden:***@db:5432/warden'
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return '(a URL that does not parse)';
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}
