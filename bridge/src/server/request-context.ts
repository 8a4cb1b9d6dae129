// The request being served, for code far from Express. Every event the bridge
// appends while serving a request names that request (correlationId: its
// X-Request-Id, which a client may set to tie its calls together) and the agent
// whose credential was verified (agentId), without threading both through each
// service. Work a request starts (an escalation's timer) stays in its context.
import { AsyncLocalStorage } from 'node:async_hooks';

/** What the request middleware and authentication record about a request (res.locals). */
export interface RequestLocals {
  requestId?: string;
  agentId?: string;
}

const current = new AsyncLocalStorage<RequestLocals>();

/** Runs `next` (the rest of the request's handling) in the context of `locals`. */
export function runInRequest(locals: RequestLocals, next: () => void): void {
  current.run(locals, next);
}

/** The id of the request being served (its X-Request-Id); undefined outside a request. */
export function currentRequestId(): string | undefined {
  return current.getStore()?.requestId;
}

/** The metadata an event appended now starts from; undefined outside a request. */
export function requestMetadata(): Record<string, string> | undefined {
  const r = current.getStore();
  if (!r?.requestId) return undefined;
  return r.agentId ? { correlationId: r.requestId, agentId: r.agentId } : { correlationId: r.requestId };
}
