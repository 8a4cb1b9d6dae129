// Who may read which event. Tool calls are private to the agents they concern:
// in the decision and escalation logs an agent reads only the events it caused
// or that name it, and only its own `agent:` log and `expert:` record;
// elicitations only their participants (named in the event's metadata). Every
// other stream (project state, streams agents append to) is shared. Admins read
// everything: callers skip these checks for them.
//
// The rule exists twice, as a predicate for events in hand and as SQL for the
// store's queries, which must leave hidden events out before paging; the tests
// hold the two to the same answers.
import type { StoredEvent } from './types.js';

export const DECISION_STREAM = 'decisions';

type Readable = Pick<StoredEvent, 'stream' | 'data' | 'metadata'>;

export function readableBy(agent: string): (e: Readable) => boolean {
  return (e) => {
    if (e.stream.startsWith(DECISION_STREAM)) return concerns(e, agent);
    const owned = ownedStream(e.stream, agent);
    if (owned !== undefined) return owned;
    if (e.stream.startsWith('elicitation:')) {
      const participants = (e.metadata as { participants?: unknown }).participants;
      return Array.isArray(participants) && participants.includes(agent);
    }
    if (e.stream.startsWith('escalation:')) return concerns(e, agent);
    return true;
  };
}

/**
 * For a stream whose readers its name decides (one agent's `agent:` log and
 * `expert:` record; the decision log, mixed by nature): whether `agent` reads it
 * whole. Deciding by name, not by its events, keeps a refused read from telling
 * how many there are. Undefined for every other stream.
 */
export function ownedStream(stream: string, agent: string): boolean | undefined {
  const owner = /^(?:agent|expert):(.*)$/s.exec(stream)?.[1];
  if (owner !== undefined) return owner === agent;
  if (stream.startsWith(DECISION_STREAM)) return false;
  return undefined;
}

/** The event was caused by `agent` (the request's signer, in metadata) or names it as caller or expert. */
function concerns(e: Readable, agent: string): boolean {
  if ((e.metadata as { agentId?: unknown }).agentId === agent) return true;
  const d = (e.data ?? {}) as { agentId?: unknown; expertId?: unknown; routedTo?: unknown };
  return (
    d.agentId === agent ||
    d.expertId === agent ||
    d.routedTo === agent ||
    (Array.isArray(d.routedTo) && d.routedTo.includes(agent))
  );
}

/**
 * `readableBy` as a SQL condition on `events e`, the agent's id in parameter `$n`.
 * JSON values compare as JSON (`to_jsonb`), so a number 7 is not the agent "7".
 */
export function readableSql(n: number): string {
  const agent = `to_jsonb($${n}::text)`;
  const concerns = `(e.metadata->'agentId' = ${agent} OR e.data->'agentId' = ${agent}
      OR e.data->'expertId' = ${agent} OR e.data->'routedTo' = ${agent}
      OR (jsonb_typeof(e.data->'routedTo') = 'array' AND e.data->'routedTo' @> jsonb_build_array(${agent})))`;
  return `(CASE
    WHEN starts_with(e.stream, '${DECISION_STREAM}') THEN coalesce(${concerns}, false)
    WHEN starts_with(e.stream, 'agent:') OR starts_with(e.stream, 'expert:')
      THEN e.stream IN ('agent:' || $${n}, 'expert:' || $${n})
    WHEN starts_with(e.stream, 'elicitation:') THEN coalesce(jsonb_typeof(e.metadata->'participants') = 'array'
      AND e.metadata->'participants' @> jsonb_build_array(${agent}), false)
    WHEN starts_with(e.stream, 'escalation:') THEN coalesce(${concerns}, false)
    ELSE true END)`;
}
