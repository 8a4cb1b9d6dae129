// Graceful shutdown: stop accepting, let in-flight requests finish (bounded),
// run the registered closers (flush events, close the pool), then exit. Every
// step is bounded: a closer that never settles, or a handle left open after
// them, must not keep a terminating pod (or a test run) waiting.
import type { Server } from 'node:http';
import type { Logger } from '../logging/logger.js';

export type Closer = () => Promise<void>;

/** How long the closers may take after the request grace period. */
export const CLOSE_TIMEOUT_MS = 10_000;
/** How long the process may stay up after a clean shutdown before it is ended. */
export const LINGER_MS = 1_000;

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
    const deadline = setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting', { afterMs: timeoutMs + CLOSE_TIMEOUT_MS });
      process.exit(1);
    }, timeoutMs + CLOSE_TIMEOUT_MS);
    deadline.unref();
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
    clearTimeout(deadline);
    logger.info('stopped', { code });
    process.exitCode = code;
    // Normally nothing is left and the process ends here; an unref'd timer only
    // fires when some forgotten handle still keeps it alive.
    setTimeout(() => {
      logger.warn('a handle kept the process alive after shutdown; exiting', { afterMs: LINGER_MS });
      process.exit(code);
    }, LINGER_MS).unref();
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
