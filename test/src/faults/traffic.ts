// Steady signed traffic against one bridge URL, keeping a ledger of what the
// bridge acknowledged (decision ids of recorded decisions, positions of
// appended events) so a fault test can check afterwards that none was lost.
import type { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';

export interface Ledger {
  /** decisionId of every 200 from /v1/validate that was not an internal-error block. */
  decisions: string[];
  /** Global positions returned by 201s of POST /v1/events. */
  positions: string[];
  /** Every answer, by `<status>` or `<status> <code>` or `network`. */
  outcomes: Map<string, number>;
  /** Validations sent and answered allow while `failClosedWindow()` was true (must stay 0). */
  allowsWhileDown: number;
  /** 503s without a Retry-After header (must stay 0). */
  unavailableWithoutRetryAfter: number;
}

const commands = ['ls -la', 'git status', 'npm test', 'cat package.json', 'git diff'];

export interface TrafficOptions {
  clients: BridgeClient[];
  /** Concurrent request loops. */
  concurrency: number;
  /** While this returns true, an allow is a fail-open (counted). */
  failClosedWindow?: () => boolean;
}

export interface Traffic {
  ledger: Ledger;
  /** Stops issuing requests and waits for those in flight. */
  stop(): Promise<Ledger>;
}

export function startTraffic(opts: TrafficOptions): Traffic {
  const ledger: Ledger = {
    decisions: [],
    positions: [],
    outcomes: new Map(),
    allowsWhileDown: 0,
    unavailableWithoutRetryAfter: 0,
  };
  let running = true;
  let n = 0;
  const count = (key: string) => ledger.outcomes.set(key, (ledger.outcomes.get(key) ?? 0) + 1);

  async function once(client: BridgeClient): Promise<void> {
    const i = n++;
    const down = opts.failClosedWindow?.() ?? false;
    if (i % 4 === 3) {
      const res = await client.post<{ positions?: string[]; error?: { code: string } }>('/v1/events', {
        stream: `fault-${client.agentId}`,
        events: [{ type: 'Ticked', data: { i } }],
      });
      count(res.status === 201 ? '201' : `${res.status} ${res.body.error?.code ?? ''}`.trim());
      if (res.status === 201) ledger.positions.push(...(res.body.positions ?? []));
      if (res.status === 503 && !res.headers.get('retry-after')) ledger.unavailableWithoutRetryAfter++;
      return;
    }
    // Half repeats (cache hits), half distinct commands (policy evaluated).
    const command = i % 2 ? commands[i % commands.length]! : `grep -rn needle${i} src`;
    const res = await client.post<{
      decision?: string;
      tier?: string;
      decisionId?: string;
      error?: { code: string };
    }>('/v1/validate', { tool: 'Bash', input: { command } });
    if (res.status === 200) {
      count(`200 ${res.body.decision}/${res.body.tier}`);
      // Sent and answered inside the outage: a decision that could not have been recorded.
      if (down && opts.failClosedWindow?.() && res.body.decision === 'allow') ledger.allowsWhileDown++;
      if (res.body.tier !== 'error' && res.body.decisionId) ledger.decisions.push(res.body.decisionId);
    } else {
      count(`${res.status} ${res.body.error?.code ?? ''}`.trim());
      if (res.status === 503 && !res.headers.get('retry-after')) ledger.unavailableWithoutRetryAfter++;
    }
  }

  const loops = Array.from({ length: opts.concurrency }, async (_, k) => {
    const client = opts.clients[k % opts.clients.length]!;
    while (running) {
      try {
        await once(client);
      } catch {
        count('network');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  return {
    ledger,
    async stop() {
      running = false;
      await Promise.all(loops);
      return ledger;
    },
  };
}
