// JSON logs on stdout; reconcile logs are children carrying namespace and name.
import winston from 'winston';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export function createLogger(level: LogLevel): winston.Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { component: 'lighthouse-operator' },
    transports: [new winston.transports.Console()],
  });
}
