import { pino, type Logger } from 'pino';

/** JSON logs on stdout; credentials are redacted wherever they might appear in a logged object. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'warden' },
    redact: {
      paths: ['authorization', 'apiKey', 'adminKey', 'secret', 'key', '*.authorization', '*.apiKey', '*.adminKey', '*.secret', 'headers["x-api-key"]', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}
