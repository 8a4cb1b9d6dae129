// In-process bridges for cross-component tests: the real server, store,
// policy engine and authentication on an ephemeral port.
import { afterAll, beforeAll } from '@jest/globals';
import {
  issueCredential,
  issueHookToken,
  deriveAgentKey,
  ADMIN_AGENT,
} from '@lighthouse/bridge/auth/credentials.js';
import { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';
import { loadConfig } from '@lighthouse/bridge/config/env.js';
import { createLogger } from '@lighthouse/bridge/logging/logger.js';
import { startBridge, type RunningBridge } from '@lighthouse/bridge/server/bridge.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { policyEngine } from '@lighthouse/bridge/server/policy-engine.js';

export const MASTER = Buffer.from('test-master-key-0123456789abcdef0123456789');

export interface TestBridge extends RunningBridge {
  client(agentId: string): BridgeClient;
  admin(): BridgeClient;
  credential(agentId: string): string;
  /** The bearer of POST /v1/hooks/claude-code. */
  hookToken(agentId: string): string;
}

/** A bridge on `databaseUrl` (or PGlite in `dataDir`); `env` adds/overrides configuration variables. */
export async function startTestBridge(
  store: { databaseUrl: string } | { dataDir: string },
  env: Record<string, string> = {},
): Promise<TestBridge> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...('databaseUrl' in store
      ? { LIGHTHOUSE_DATABASE_URL: store.databaseUrl }
      : { LIGHTHOUSE_DATA_DIR: store.dataDir }),
    ...env,
  });
  // Tests provoke errors on purpose; LIGHTHOUSE_TEST_LOG_LEVEL=warn shows the bridge's logs.
  const logger = createLogger(process.env.LIGHTHOUSE_TEST_LOG_LEVEL ?? 'error');
  logger.silent = process.env.LIGHTHOUSE_TEST_LOG_LEVEL === undefined;
  const bridge = await startBridge({ config, masterKey: MASTER, logger, engine: policyEngine });
  return {
    ...bridge,
    client: (agentId) => new BridgeClient({ url: bridge.url, credential: issueCredential(MASTER, agentId) }),
    admin: () =>
      new BridgeClient({
        url: bridge.url,
        credential: { agentId: ADMIN_AGENT, key: deriveAgentKey(MASTER, ADMIN_AGENT) },
      }),
    credential: (agentId) => issueCredential(MASTER, agentId),
    hookToken: (agentId) => issueHookToken(MASTER, agentId),
  };
}

/** The administrator (`admin`, a bridge's `.admin()` client) grants `agentId` expert `capabilities`. */
export async function grantExpert(
  admin: BridgeClient,
  agentId: string,
  capabilities: string[],
): Promise<void> {
  const res = await admin.request('PUT', `/v1/experts/${agentId}/grant`, { capabilities });
  if (res.status !== 200) throw new Error(`grant to ${agentId}: ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * One bridge on its own PostgreSQL database for a whole test file: started
 * before its tests (handed to `started`), stopped and the database dropped after.
 */
export function bridgeForSuite(env: Record<string, string>, started: (b: TestBridge) => void): void {
  let db: TestDatabase | undefined;
  let bridge: TestBridge | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    bridge = await startTestBridge({ databaseUrl: db.url }, env);
    started(bridge);
  }, 60_000);
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
  });
}

/** Reads SSE `data:` payloads of one event name from a fetch Response. */
export async function* sseEvents(res: Response, event: string): AsyncGenerator<unknown> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let idx;
    while ((idx = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, idx);
      buffer = buffer.slice(idx + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (name === event && data !== undefined) yield JSON.parse(data);
    }
  }
}

export async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
