import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths removed from every log line. Mail passwords never reach a logger by
 * design; this list is the second line of defence.
 */
export const redactPaths = [
  'password',
  '*.password',
  '*.*.password',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'token',
  '*.token',
];

/** Structured JSON logs; tests pass their own destination to read every line. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'postdesk' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
