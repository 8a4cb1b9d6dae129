// ProjectApi over the bridge's HTTP API (/v1, signed requests through the
// bridge client). Answers are checked at this boundary: a malformed answer is
// an error, never a silently wrong tree.
import type {
  Annotation,
  ContextPackage,
  ContextSummary,
  FileChange,
  FileMeta,
  StreamEvent,
} from './model.js';
import { projectStreamOf } from '../project/projection.js';
import type { ProjectApi, ProjectEvent } from './project-api.js';

/** The one method of the bridge client the sidecar needs (signed fetch). */
export interface SignedFetch {
  fetch(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response>;
}

export class BridgeApiError extends Error {
  override name = 'BridgeApiError';
}

const enc = encodeURIComponent;
const filePath = (p: string) => p.split('/').map(enc).join('/');

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new BridgeApiError(`bridge answer: ${what} is not a string`);
  return v;
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new BridgeApiError(`bridge answer: ${what} is not a number`);
  return v;
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new BridgeApiError(`bridge answer: ${what} is not a list`);
  return v;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (!isObject(v)) throw new BridgeApiError(`bridge answer: ${what} is not an object`);
  return v;
}

export class BridgeProjectApi implements ProjectApi {
  constructor(private readonly client: SignedFetch) {}

  /** `absent`: the statuses that mean "nothing here for us" (null) rather than an error. */
  private async json(path: string, absent: number[] = []): Promise<Record<string, unknown> | null> {
    const res = await this.client.fetch('GET', path);
    if (absent.includes(res.status)) {
      await res.body?.cancel();
      return null;
    }
    const text = await res.text();
    if (res.status !== 200) {
      throw new BridgeApiError(`GET ${path.split('?')[0]} answered ${res.status}: ${text.slice(0, 200)}`);
    }
    return obj(JSON.parse(text), path);
  }

  async tree(at?: string): Promise<FileMeta[]> {
    const body = await this.json(at ? `/v1/tree?at=${enc(at)}` : '/v1/tree');
    return list(body!.files, 'files').map((x) => {
      const f = obj(x, 'file');
      const mtime = new Date(str(f.mtime, 'mtime'));
      if (Number.isNaN(mtime.getTime())) throw new BridgeApiError('bridge answer: mtime is not a time');
      return { path: str(f.path, 'path'), size: num(f.size, 'size'), sha256: str(f.sha256, 'sha256'), mtime };
    });
  }

  async file(path: string, at?: string): Promise<Buffer | null> {
    const url = `/v1/files/${filePath(path)}${at ? `?at=${enc(at)}` : ''}`;
    const res = await this.client.fetch('GET', url);
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (res.status !== 200)
      throw new BridgeApiError(`GET file answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    return Buffer.from(await res.arrayBuffer());
  }

  async fileHistory(path: string): Promise<FileChange[]> {
    const body = await this.json(`/v1/files/${filePath(path)}/history`, [404]);
    return body ? (list(body.changes, 'changes') as FileChange[]) : [];
  }

  async history(limit: number): Promise<string[]> {
    const body = await this.json(`/v1/history?limit=${limit}`);
    return list(body!.points, 'points').map((p) => str(p, 'point'));
  }

  async annotations(path: string): Promise<Annotation[]> {
    const body = await this.json(`/v1/annotations?path=${enc(path)}`);
    return list(body!.annotations, 'annotations') as Annotation[];
  }

  async contexts(): Promise<ContextSummary[]> {
    const body = await this.json('/v1/contexts');
    return list(body!.contexts, 'contexts').map((x) => {
      const c = obj(x, 'context');
      return { id: str(c.id, 'id'), name: str(c.name, 'name'), createdAt: str(c.createdAt, 'createdAt') };
    });
  }

  async context(id: string): Promise<ContextPackage | null> {
    const c = await this.json(`/v1/contexts/${enc(id)}`, [404]);
    if (!c) return null;
    const files = list(c.files, 'files').map((x) => {
      const f = obj(x, 'file');
      return { path: str(f.path, 'path'), size: num(f.size, 'size'), sha256: str(f.sha256, 'sha256') };
    });
    return {
      id: str(c.id, 'id'),
      name: str(c.name, 'name'),
      note: typeof c.note === 'string' ? c.note : '',
      agentId: typeof c.agentId === 'string' ? c.agentId : '',
      createdAt: str(c.createdAt, 'createdAt'),
      files,
    };
  }

  async streamEvents(name: string, after?: string): Promise<StreamEvent[]> {
    // Positions in a stream log are stream versions: the next read starts after the last one.
    const from = after ? `&fromVersion=${Number(after) + 1}` : '';
    // 403: a stream of other agents' tool calls, which this mount's credential may not read.
    const body = await this.json(`/v1/events?stream=${enc(name)}${from}&limit=1000`, [403]);
    if (!body) return [];
    return list(body.events, 'events').map((x) => {
      const e = obj(x, 'event');
      return {
        position: String(num(e.version, 'version')),
        type: str(e.type, 'type'),
        at: str(e.createdAt ?? e.at, 'createdAt'),
        data: e.data,
      };
    });
  }
}

/** Maps one stored event (the SSE `data:` JSON) to a project event; null for anything else. */
export function toProjectEvent(raw: unknown): ProjectEvent | null {
  if (!isObject(raw) || !isObject(raw.data)) return null;
  // Only from the stream the bridge writes it to (agents may append any type elsewhere).
  if (typeof raw.type !== 'string' || raw.stream !== projectStreamOf(raw.type, raw.data)) return null;
  const d = raw.data;
  const at = typeof raw.createdAt === 'string' ? raw.createdAt : typeof raw.at === 'string' ? raw.at : null;
  if (at === null || Number.isNaN(Date.parse(at))) return null;
  const path = typeof d.path === 'string' ? d.path : null;
  switch (raw.type) {
    case 'FileChanged':
      if (path === null || typeof d.size !== 'number' || typeof d.sha256 !== 'string') return null;
      return {
        type: 'FileChanged',
        at,
        path,
        size: d.size,
        sha256: d.sha256,
        ...(typeof d.contentBase64 === 'string' ? { content: Buffer.from(d.contentBase64, 'base64') } : {}),
      };
    case 'FileDeleted':
      return path === null ? null : { type: 'FileDeleted', at, path };
    case 'AnnotationAdded':
      return path === null ? null : { type: 'AnnotationAdded', at, path };
    case 'ContextCreated': {
      const id = typeof d.id === 'string' ? d.id : null;
      return id === null
        ? null
        : { type: 'ContextCreated', at, id, name: typeof d.name === 'string' ? d.name : id };
    }
    default:
      return null;
  }
}
