import { pino, type DestinationStream, type Logger } from 'pino';

/** JSON logs on stdout (or `destination`); credentials are redacted wherever they might appear in a logged object. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'warden' },
    redact: {
      paths: ['authorization', 'apiKey', 'adminKey', 'secret', 'key', '*.authorization', '*.apiKey', '*.adminKey', '*.secret', 'headers["x-api-key"]', 'headers.authorization'],
      censor: '[redacted]',
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
