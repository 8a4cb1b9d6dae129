// Graceful shutdown: stop accepting, let in-flight requests finish (bounded),
// run the registered closers (flush events, close the pool), then exit 0.
import type { Server } from 'node:http';
import type { Logger } from '../logging/logger.js';

export type Closer = () => Promise<void>;

export function handleShutdown(
  server: Server,
  logger: Logger,
  timeoutMs: number,
  closers: Closer[] = [],
  /** Runs once the server stops accepting (e.g. ends event streams that never finish by themselves). */
  onStopAccepting: () => void = () => {},
): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const forced = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing connections', { timeoutMs });
      server.closeAllConnections();
    }, timeoutMs);
    forced.unref();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    onStopAccepting();
    server.closeIdleConnections();
    await closed;
    let code = 0;
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        code = 1;
        logger.error('shutdown step failed', { err });
      }
    }
    clearTimeout(forced);
    logger.info('stopped', { code });
    process.exitCode = code;
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
