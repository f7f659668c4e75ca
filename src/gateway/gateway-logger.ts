/**
 * The slice of a structured logger (pino's shape) the gateway writes to. Errors go under `err`,
 * which pino serialises with message and stack. Never pass it secrets.
 */
export interface GatewayLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: GatewayLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
