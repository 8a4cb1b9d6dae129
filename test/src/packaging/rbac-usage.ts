// What an identity did, from the apiserver's audit log, compared with RBAC rules.
import { readFileSync, statSync } from 'node:fs';

export interface AuditEvent {
  stage: string;
  user: { username: string };
  verb: string;
  objectRef?: {
    apiGroup?: string;
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
  };
  responseStatus?: { code?: number };
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

/** `verb group/resource[/subresource]`, the unit RBAC grants. */
export type Permission = string;

export const permission = (verb: string, group: string, resource: string): Permission =>
  `${verb} ${group || 'core'}/${resource}`;

export class AuditLog {
  constructor(private readonly file: string) {}

  offset(): number {
    return statSync(this.file).size;
  }

  /** Resource requests by `user` since `from`: completed ones, and watches once started (they stay open). */
  requests(from: number, user: string): AuditEvent[] {
    return readFileSync(this.file)
      .subarray(from)
      .toString('utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as AuditEvent)
      .filter(
        (e) =>
          (e.stage === 'ResponseComplete' || (e.stage === 'ResponseStarted' && e.verb === 'watch')) &&
          e.user.username === user &&
          e.objectRef?.resource,
      );
  }
}

export function used(events: AuditEvent[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const e of events) {
    const r = e.objectRef!;
    const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource!;
    out.add(permission(e.verb, r.apiGroup ?? '', resource));
    // A server-side apply that creates its object (201) is authorized as create too.
    if (e.verb === 'patch' && e.responseStatus?.code === 201)
      out.add(permission('create', r.apiGroup ?? '', resource));
  }
  return out;
}

export function granted(rules: PolicyRule[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const rule of rules) {
    for (const g of rule.apiGroups ?? []) {
      for (const r of rule.resources ?? []) for (const v of rule.verbs) out.add(permission(v, g, r));
    }
  }
  return out;
}
