// `lighthouse status`: is the bridge up, ready, and who am I to it.
import { parseArgs } from 'node:util';
import { resolveClient } from '../hook/client-config.js';
import { connect, expectOk, print } from './connect.js';

const usage = `usage: lighthouse status [--json]

Shows the bridge URL and credential in use, /readyz, and the bridge's /v1/status summary.
`;

/** GET /v1/status (bridge/src/api/status.ts). */
interface StatusSummary {
  version: string;
  replica: string;
  uptimeSeconds: number;
  store: { driver: string; ready: boolean };
  policy: { revision: string; rules: number };
  cache: { entries: number; hits: number; misses: number; hitRatio: number };
  experts: { connected: number; registered: number };
  escalations: { pending: number };
  revokedAgents: number;
}

function summaryLines(s: StatusSummary): string[] {
  return [
    `version:  ${s.version} (replica ${s.replica}, up ${s.uptimeSeconds} s)`,
    `store:    ${s.store.driver} (${s.store.ready ? 'ready' : 'not ready'})`,
    `policy:   revision ${s.policy.revision}, ${s.policy.rules} rules`,
    `cache:    ${s.cache.entries} entries, ${s.cache.hits} hits, ${s.cache.misses} misses (hit ratio ${Math.round(s.cache.hitRatio * 100)} %)`,
    `experts:  ${s.experts.connected} connected, ${s.experts.registered} registered; ${s.escalations.pending} escalations pending`,
    `revoked:  ${s.revokedAgents} agents`,
  ];
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return (process.stdout.write(usage), 0);
  const cfg = resolveClient();
  const client = connect(5000);
  let ready = false;
  let reachable = true;
  try {
    ready = (await fetch(client.url('/readyz'), { signal: AbortSignal.timeout(5000) })).ok;
  } catch {
    reachable = false;
  }
  const summary = reachable ? expectOk<StatusSummary>(await client.get('/v1/status')) : null;
  const value = {
    url: cfg.url,
    agentId: client.agentId,
    config: cfg.source,
    reachable,
    ready,
    status: summary,
  };
  print(!!values.json, value, () =>
    [
      `bridge:   ${cfg.url} (${reachable ? (ready ? 'ready' : 'not ready') : 'unreachable'})`,
      `agent:    ${client.agentId}`,
      `config:   ${cfg.source}`,
      ...(summary ? summaryLines(summary) : []),
      '',
    ].join('\n'),
  );
  return reachable && ready ? 0 : 1;
}
