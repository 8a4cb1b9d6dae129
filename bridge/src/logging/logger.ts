// Structured JSON logs on stdout, one object per line.
import winston from 'winston';
import { currentRequestId } from '../server/request-context.js';
import { errorFields, isError } from './error-fields.js';

export type Logger = winston.Logger;

/**
 * An Error among a line's fields (`{err}`) has no enumerable message or stack, so
 * JSON would log it as `{}`: it is written as its safe fields instead (error-fields.ts).
 * A line logged while a request is served carries its id, as its response does.
 */
const serialize = winston.format((info) => {
  for (const [key, value] of Object.entries(info)) if (isError(value)) info[key] = errorFields(value);
  const requestId = currentRequestId();
  if (requestId !== undefined) info.requestId ??= requestId;
  return info;
});

export function createLogger(level: string, defaultMeta: Record<string, unknown> = {}): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { service: 'lighthouse-bridge', ...defaultMeta },
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      serialize(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}
