// Flag evaluation. A percentage rollout puts each agent in a fixed bucket
// (a hash of flag and agent id), so an agent never flips between requests,
// replicas or restarts, and raising the percentage only ever adds agents.
import { createHash } from 'node:crypto';

export type FlagMode = 'off' | 'on' | 'percentage' | 'agents';

export interface FlagSpec {
  mode: FlagMode;
  /** 0–100, for mode `percentage`. */
  percentage?: number;
  /** Agent ids, for mode `agents`. */
  agents?: string[];
}

const BUCKETS = 10_000;

/** The agent's bucket for this flag, 0 ≤ b < 10000. */
export function bucket(flag: string, agentId: string): number {
  const digest = createHash('sha256').update(flag).update('\0').update(agentId).digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

export function evaluate(flag: string, spec: FlagSpec, agentId: string): boolean {
  switch (spec.mode) {
    case 'off':
      return false;
    case 'on':
      return true;
    case 'percentage':
      return bucket(flag, agentId) < Math.round((spec.percentage ?? 0) * (BUCKETS / 100));
    case 'agents':
      return (spec.agents ?? []).includes(agentId);
  }
}
