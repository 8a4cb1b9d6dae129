// The bridge process: validated configuration, the store, the HTTP server,
// graceful shutdown. `serve` takes everything from the environment (containers);
// `run` is the local mode of `lighthouse run` (embedded store, generated key).
import { ConfigError, loadConfig, type BridgeConfig } from './config/env.js';
import { loadMasterKey } from './config/master-key.js';
import { createLogger } from './logging/logger.js';
import { startBridge } from './server/bridge.js';
import { policyEngine } from './server/policy-engine.js';
import { handleShutdown } from './server/lifecycle.js';

export interface MainOptions {
  /** Supplies the master key when the environment has none (local mode). */
  localKey?: (config: BridgeConfig) => Buffer;
  /** Called once the server listens. */
  onListening?: (url: string, config: BridgeConfig, masterKey: Buffer) => void;
}

export async function main(opts: MainOptions = {}): Promise<void> {
  let config: BridgeConfig;
  let masterKey: Buffer;
  try {
    config = loadConfig();
    const env = process.env;
    masterKey =
      opts.localKey && !env.LIGHTHOUSE_MASTER_KEY && !env.LIGHTHOUSE_MASTER_KEY_FILE
        ? opts.localKey(config)
        : loadMasterKey();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`lighthouse: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let bridge;
  try {
    bridge = await startBridge({ config, masterKey, logger, engine: policyEngine });
  } catch (err) {
    process.stderr.write(`lighthouse: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  logger.info('bridge listening', { url: bridge.url, store: bridge.services.store.db.driver });
  bridge.server.on('error', (err) => {
    logger.error('server failed', { err });
    process.exit(1);
  });
  opts.onListening?.(bridge.url, config, masterKey);
  handleShutdown(bridge.server, logger, config.shutdownTimeoutMs, [() => bridge.stop()], () =>
    bridge.endStreams(),
  );
}
