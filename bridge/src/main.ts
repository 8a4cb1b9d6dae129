// The bridge process: validated configuration, the HTTP server, graceful shutdown.
import { ConfigError, loadConfig } from './config/env.js';
import { createLogger } from './logging/logger.js';
import { createApp } from './server/app.js';
import { handleShutdown } from './server/lifecycle.js';

export async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`lighthouse: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const app = createApp({ ready: async () => true });
  const server = app.listen(config.port, config.host, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    logger.info('bridge listening', { port });
  });
  server.on('error', (err) => {
    logger.error('server failed', { err });
    process.exit(1);
  });
  handleShutdown(server, logger, config.shutdownTimeoutMs);
}
