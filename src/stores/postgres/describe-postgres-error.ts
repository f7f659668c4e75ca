/**
 * A driver error as one line for a message. Connecting to a host name with several addresses
 * fails with an AggregateError whose own message is empty, so its parts are joined instead.
 */
export function describePostgresError(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') return error.errors.map(describePostgresError).join('; ');
  if (error instanceof Error) return error.message === '' ? ((error as NodeJS.ErrnoException).code ?? error.name) : error.message;
  return String(error);
}
