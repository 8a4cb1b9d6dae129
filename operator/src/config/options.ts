// Operator settings from flags (--name=value) or environment variables;
// invalid values are refused with one line naming the setting.
import os from 'node:os';

import type { LogLevel } from '../logging/logger.js';

export interface OperatorOptions {
  kubeconfig: string | undefined;
  /** Empty: all namespaces. */
  watchNamespaces: string[];
  metricsPort: number;
  metricsHost: string;
  leaderElection: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  identity: string;
  workers: number;
  resyncSeconds: number;
  /** How often to look for newly installed optional APIs (CloudNativePG, Barman Cloud). */
  discoverySeconds: number;
  logLevel: LogLevel;
}

export class OptionError extends Error {}

const SETTINGS = {
  kubeconfig: 'KUBECONFIG',
  'watch-namespaces': 'WATCH_NAMESPACES',
  'metrics-port': 'METRICS_PORT',
  'metrics-host': 'METRICS_HOST',
  'leader-election': 'LEADER_ELECTION',
  'leader-election-namespace': 'LEADER_ELECTION_NAMESPACE',
  'leader-election-id': 'LEADER_ELECTION_ID',
  identity: 'POD_NAME',
  workers: 'WORKERS',
  'resync-seconds': 'RESYNC_SECONDS',
  'discovery-seconds': 'DISCOVERY_SECONDS',
  'log-level': 'LOG_LEVEL',
} as const;
type Setting = keyof typeof SETTINGS;

export function parseOptions(argv: string[], env: Record<string, string | undefined>): OperatorOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m || !(m[1]! in SETTINGS)) {
      throw new OptionError(
        `unknown argument ${arg} (flags: ${Object.keys(SETTINGS)
          .map((k) => `--${k}=`)
          .join(' ')})`,
      );
    }
    flags.set(m[1]!, m[2]!);
  }
  const raw = (s: Setting) => flags.get(s) ?? env[SETTINGS[s]] ?? undefined;
  const int = (s: Setting, fallback: number, min: number, max: number) => {
    const v = raw(s);
    if (v === undefined || v === '') return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new OptionError(`--${s} (${SETTINGS[s]}): expected an integer from ${min} to ${max}, got "${v}"`);
    }
    return Number(v);
  };
  const bool = (s: Setting, fallback: boolean) => {
    const v = raw(s);
    if (v === undefined || v === '') return fallback;
    if (v !== 'true' && v !== 'false')
      throw new OptionError(`--${s} (${SETTINGS[s]}): expected true or false, got "${v}"`);
    return v === 'true';
  };
  const logLevel = raw('log-level') || 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) {
    throw new OptionError(`--log-level (LOG_LEVEL): expected error, warn, info or debug, got "${logLevel}"`);
  }
  const namespaces = (raw('watch-namespaces') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const ns of namespaces) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns)) {
      throw new OptionError(`--watch-namespaces (WATCH_NAMESPACES): "${ns}" is not a namespace name`);
    }
  }
  return {
    kubeconfig: raw('kubeconfig') || undefined,
    watchNamespaces: namespaces,
    metricsPort: int('metrics-port', 8080, 0, 65535),
    metricsHost: raw('metrics-host') || '0.0.0.0',
    leaderElection: bool('leader-election', true),
    leaderElectionNamespace: raw('leader-election-namespace') || env.POD_NAMESPACE || 'default',
    leaderElectionId: raw('leader-election-id') || 'lighthouse-operator',
    identity: raw('identity') || `${os.hostname()}_${process.pid}`,
    workers: int('workers', 8, 1, 64),
    resyncSeconds: int('resync-seconds', 600, 10, 86_400),
    discoverySeconds: int('discovery-seconds', 30, 1, 3600),
    logLevel: logLevel as LogLevel,
  };
}
