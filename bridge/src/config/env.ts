// Configuration comes only from the environment, validated once at start:
// a bad value is a one-line error naming the variable, never a silent default.
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** The longest escalation timeout LIGHTHOUSE_ESCALATION_TIMEOUT_MS may set. */
export const MAX_ESCALATION_TIMEOUT_MS = 3_600_000;

export interface BridgeConfig {
  port: number;
  host: string;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Grace period for in-flight requests on SIGTERM. */
  shutdownTimeoutMs: number;
  /** PostgreSQL server URL; when absent the embedded store (PGlite) lives in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Mounted ConfigMap directory holding policy.yaml (and flags.yaml); absent → the default policy. */
  configDir: string | undefined;
  /** Requests (writeBytes: body bytes) per minute per agent, per budget (a token bucket of that size, refilled continuously). */
  rateLimits: RateBudgets;
  /** Pending elicitations one agent may have asked, and may have been asked (429 quota_exceeded past it). */
  maxPendingElicitationsPerRequester: number;
  maxPendingElicitationsPerTarget: number;
  /** Estimated bytes the project view (files, versions, annotations, contexts) may hold in each replica's memory. */
  projectMaxBytes: number;
  escalationTimeoutMs: number;
  bodyLimitBytes: number;
  /** Largest file POST /v1/files accepts (its body may be that in base64, plus JSON). */
  fileMaxBytes: number;
  /** Largest event (JSON of data + metadata) the store takes; never below what the bridge itself writes. */
  eventMaxBytes: number;
  cacheMaxEntries: number;
  cacheTtlMs: number;
  /** Request body bytes the process may buffer at once, over all requests (server/body-budget.ts). */
  maxBufferedBodyBytes: number;
  /** How long a client may take to send a whole request (headers and body). */
  requestTimeoutMs: number;
}

export interface RateBudgets {
  validate: number;
  escalations: number;
  elicitation: number;
  /** Files, annotations, contexts and events written. */
  writes: number;
  /** Body bytes of those writes. */
  writeBytes: number;
}

type Env = Record<string, string | undefined>;

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function postgresUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'expected a postgres:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `expected a postgres:// URL, got scheme "${url.protocol}"`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env): BridgeConfig {
  const config: BridgeConfig = {
    port: integer(env, 'PORT', 8765, 0, 65535),
    host: env.HOST || '0.0.0.0',
    logLevel: oneOf(env, 'LOG_LEVEL', ['error', 'warn', 'info', 'debug'] as const, 'info'),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    databaseUrl: postgresUrl(env, 'LIGHTHOUSE_DATABASE_URL'),
    dataDir: env.LIGHTHOUSE_DATA_DIR || './.lighthouse/data',
    configDir: env.LIGHTHOUSE_CONFIG_DIR || undefined,
    rateLimits: {
      validate: integer(env, 'LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE', 6000, 1, 100_000_000),
      escalations: integer(env, 'LIGHTHOUSE_RATE_ESCALATIONS_PER_MINUTE', 60, 1, 100_000_000),
      elicitation: integer(env, 'LIGHTHOUSE_RATE_ELICITATION_PER_MINUTE', 120, 1, 100_000_000),
      writes: integer(env, 'LIGHTHOUSE_RATE_WRITES_PER_MINUTE', 600, 1, 100_000_000),
      writeBytes: integer(
        env,
        'LIGHTHOUSE_RATE_WRITE_BYTES_PER_MINUTE',
        64 * 1_048_576,
        1024,
        1024 * 1024 * 1_048_576,
      ),
    },
    maxPendingElicitationsPerRequester: integer(
      env,
      'LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_REQUESTER',
      100,
      1,
      1_000_000,
    ),
    maxPendingElicitationsPerTarget: integer(
      env,
      'LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_TARGET',
      1000,
      1,
      1_000_000,
    ),
    projectMaxBytes: integer(
      env,
      'LIGHTHOUSE_PROJECT_MAX_BYTES',
      256 * 1_048_576,
      1_048_576,
      1024 * 1024 * 1_048_576,
    ),
    escalationTimeoutMs: integer(
      env,
      'LIGHTHOUSE_ESCALATION_TIMEOUT_MS',
      30_000,
      100,
      MAX_ESCALATION_TIMEOUT_MS,
    ),
    bodyLimitBytes: integer(env, 'LIGHTHOUSE_BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    fileMaxBytes: integer(env, 'LIGHTHOUSE_FILE_MAX_BYTES', 8 * 1_048_576, 1, 256 * 1_048_576),
    // Files up to 512 KiB travel inline in one event, blob chunks are 512 KiB: 1 MiB holds either.
    eventMaxBytes: integer(env, 'LIGHTHOUSE_EVENT_MAX_BYTES', 1_048_576, 1_048_576, 64 * 1_048_576),
    cacheMaxEntries: integer(env, 'LIGHTHOUSE_CACHE_MAX_ENTRIES', 10_000, 1, 10_000_000),
    cacheTtlMs: integer(env, 'LIGHTHOUSE_CACHE_TTL_MS', 60_000, 1, 86_400_000),
    maxBufferedBodyBytes: integer(
      env,
      'LIGHTHOUSE_MAX_BUFFERED_BODY_BYTES',
      256 * 1_048_576,
      1_048_576,
      16 * 1024 * 1_048_576,
    ),
    requestTimeoutMs: integer(env, 'LIGHTHOUSE_REQUEST_TIMEOUT_MS', 60_000, 1_000, 3_600_000),
  };
  if (config.maxBufferedBodyBytes < fileBodyLimitBytes(config)) {
    throw new ConfigError(
      'LIGHTHOUSE_MAX_BUFFERED_BODY_BYTES',
      `must hold at least one file upload (${fileBodyLimitBytes(config)} bytes for LIGHTHOUSE_FILE_MAX_BYTES=${config.fileMaxBytes})`,
    );
  }
  return config;
}

/** The body limit of POST /v1/files: the file in base64 (4/3 of its size) plus a little JSON. */
export function fileBodyLimitBytes(c: Pick<BridgeConfig, 'bodyLimitBytes' | 'fileMaxBytes'>): number {
  return Math.max(c.bodyLimitBytes, Math.ceil((c.fileMaxBytes * 4) / 3) + 65_536);
}
