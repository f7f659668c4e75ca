/** An identifier (schema, table) as PostgreSQL SQL text: double-quoted, inner quotes doubled, so any name is safe to splice in. */
export function quotePostgresIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
