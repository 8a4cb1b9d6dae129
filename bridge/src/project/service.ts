// Project state over the event store: file changes, annotations and context
// packages are appended as events; reads come from the projection, which
// follows the store on every replica (and applies this replica's own writes
// at once, so a writer reads what it wrote).
import { randomUUID } from 'node:crypto';
import {
  catchUp,
  ConcurrencyError,
  type EventStore,
  type StoredEvent,
  type Subscription,
} from '../events/index.js';
import { LONE_SURROGATE } from '../events/validation.js';
import { readBlob, sha256Of, storeBlob } from './blobs.js';
import { applyUnifiedDiff, DiffError } from './diff.js';
import { fileStream, InvalidPathError, normalisePath } from './path.js';
import {
  ANNOTATIONS_STREAM,
  contextStream,
  PROJECT_EVENT_TYPES,
  ProjectProjection,
  type Annotation,
  type ContextPackage,
  type FileVersion,
  type Severity,
} from './projection.js';

/** Default limit of one file's size (LIGHTHOUSE_FILE_MAX_BYTES). */
export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Default estimated memory the view may hold on each replica (LIGHTHOUSE_PROJECT_MAX_BYTES). */
export const DEFAULT_MAX_PROJECT_BYTES = 256 * 1024 * 1024;
/** Up to this size the bytes travel inline in the FileChanged event; larger files become blobs. */
export const INLINE_FILE_BYTES = 512 * 1024;
const MAX_TEXT = 10_000;
/** A line number that fits the 32-bit integers editors and the FUSE view use. */
const MAX_LINE = 2_147_483_647;
/** Events per read of a file's stream. */
const READ_PAGE = 1000;
const MAX_CONTEXT_FILES = 1000;
const SEVERITIES: Severity[] = ['info', 'warning', 'error'];

export class ProjectError extends Error {
  override name = 'ProjectError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FileWrite {
  path?: unknown;
  content?: unknown;
  contentBase64?: unknown;
  diff?: unknown;
  deleted?: unknown;
  sessionId?: unknown;
}

export interface WriteResult {
  path: string;
  version: number;
  at: string;
}

function path(input: unknown): string {
  try {
    return normalisePath(input);
  } catch (err) {
    if (err instanceof InvalidPathError) throw new ProjectError(400, 'invalid_path', err.message);
    throw err;
  }
}

/**
 * Base64, padded or not. A length no encoder gives (`A`, `AAAAA`) decodes to
 * fewer bytes than were sent, and the file would silently hold only those.
 */
function isBase64(v: unknown): boolean {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return false;
  return v.endsWith('=') ? v.length % 4 === 0 : v.length % 4 !== 1;
}

function optionalSession(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > 200)
    throw new ProjectError(400, 'invalid_request', 'sessionId must be a string of at most 200 characters');
  return v;
}

export class ProjectService {
  readonly projection = new ProjectProjection();
  private subscription: Subscription | undefined;
  /** Growth of the writes under way on this replica, not yet in the view. */
  private inFlightBytes = 0;

  constructor(
    private readonly store: EventStore,
    private readonly maxFileBytes = DEFAULT_MAX_FILE_BYTES,
    private readonly maxHeldBytes = DEFAULT_MAX_PROJECT_BYTES,
  ) {}

  async start(): Promise<void> {
    const types = [...PROJECT_EVENT_TYPES];
    const after = await catchUp(this.store, { types }, (e) => this.projection.apply(e));
    this.subscription = this.store.subscribe({ from: after, types }, (e) => this.projection.apply(e));
  }

  /**
   * Folds in what the store has committed that the subscription has not delivered
   * yet, so a read after it sees every write acknowledged before it began, on any
   * replica. The FUSE sidecar relies on it: it takes the store's head, then loads
   * the tree, then follows the events after that head.
   */
  async sync(): Promise<void> {
    let after = this.subscription?.checkpoint;
    if (!after) return;
    for (;;) {
      const page = await this.store.readAll({ after, types: [...PROJECT_EVENT_TYPES], limit: READ_PAGE });
      for (const e of page.events) this.projection.apply(e);
      if (page.events.length < READ_PAGE) return;
      after = page.checkpoint;
    }
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }

  /**
   * Every replica keeps the whole project view in memory: past the cap, a write that
   * would grow it is refused (one that shrinks it still passes). Writes in flight here
   * hold their growth until applied (call the returned release after the append); the
   * view is this replica's, so writes racing on several replicas may pass the cap by
   * what is in flight elsewhere.
   */
  private admit(type: string, data: unknown): () => void {
    const grows = this.projection.growth(type, data);
    const held = this.projection.heldBytes + this.inFlightBytes;
    if (grows > 0 && held + grows > this.maxHeldBytes) {
      throw new ProjectError(
        507,
        'project_full',
        `the project view holds about ${held} bytes in each replica's memory; this write needs ${grows} more ` +
          `and LIGHTHOUSE_PROJECT_MAX_BYTES is ${this.maxHeldBytes}: delete files or raise the limit`,
      );
    }
    const reserved = Math.max(0, grows);
    this.inFlightBytes += reserved;
    return () => {
      this.inFlightBytes -= reserved;
    };
  }

  /**
   * Appends one event and applies it at once (read-your-writes), admitted first
   * against the view's cap unless `opts.admitted` (a delete). `opts.before` runs
   * once admitted, before the append.
   */
  private async appendAndApply(
    stream: string,
    type: string,
    data: unknown,
    expectedVersion: number | 'no_stream' | 'any',
    opts: { admitted?: boolean; before?: () => Promise<void> } = {},
  ) {
    const release = opts.admitted ? () => undefined : this.admit(type, data);
    try {
      await opts.before?.();
      const r = await this.store.append(stream, [{ type, data }], { expectedVersion });
      const [stored] = await this.store.readStream(stream, { fromVersion: r.version, limit: 1 });
      this.projection.apply(stored!);
      return stored!;
    } finally {
      release();
    }
  }

  async writeFile(agentId: string, body: FileWrite): Promise<WriteResult> {
    const p = path(body.path);
    const sessionId = optionalSession(body.sessionId);
    const given = (['content', 'contentBase64', 'diff', 'deleted'] as const).filter(
      (k) => body[k] !== undefined,
    );
    if (given.length !== 1) {
      throw new ProjectError(
        400,
        'invalid_request',
        'give exactly one of content, contentBase64, diff, deleted',
      );
    }
    const kind = given[0]!;
    if (kind === 'content' && typeof body.content !== 'string')
      throw new ProjectError(400, 'invalid_request', 'content must be a string');
    if (kind === 'contentBase64' && !isBase64(body.contentBase64))
      throw new ProjectError(400, 'invalid_request', 'contentBase64 must be base64');
    if (kind === 'diff' && typeof body.diff !== 'string')
      throw new ProjectError(400, 'invalid_request', 'diff must be a string');
    // UTF-8 has no encoding for a lone surrogate: the file would hold U+FFFD in its place.
    if ((kind === 'content' || kind === 'diff') && LONE_SURROGATE.test(body[kind] as string)) {
      throw new ProjectError(
        400,
        'invalid_request',
        `${kind} holds a lone UTF-16 surrogate, which UTF-8 cannot encode; send the bytes as contentBase64`,
      );
    }
    if (kind === 'deleted' && body.deleted !== true)
      throw new ProjectError(400, 'invalid_request', 'deleted must be true');

    const stream = fileStream(p);
    // Other files decide whether this path may be a file: fold in every replica's writes first.
    if (kind !== 'deleted') await this.sync();
    for (let attempt = 0; ; attempt++) {
      const [last] = await this.latest(stream, p);
      const conflict = kind === 'deleted' ? undefined : this.projection.pathConflict(p);
      if (conflict) throw new ProjectError(409, 'path_conflict', `${conflict}; delete it first`);
      const version = last?.version ?? 0;
      const exists = last?.type === 'FileChanged';
      let event: { type: string; data: unknown };
      // A large file's chunks are durable before the event that makes it visible.
      let before: (() => Promise<void>) | undefined;
      if (kind === 'deleted') {
        if (!exists) throw new ProjectError(404, 'not_found', `${p} does not exist`);
        event = { type: 'FileDeleted', data: { path: p, agentId, sessionId } };
      } else {
        let bytes: Buffer;
        if (kind === 'content') bytes = Buffer.from(body.content as string, 'utf8');
        else if (kind === 'contentBase64') bytes = Buffer.from(body.contentBase64 as string, 'base64');
        else {
          const current = exists ? (await this.eventContent(last!)).toString('utf8') : '';
          try {
            bytes = Buffer.from(applyUnifiedDiff(current, body.diff as string), 'utf8');
          } catch (err) {
            if (err instanceof DiffError)
              throw new ProjectError(err.code === 'invalid_diff' ? 400 : 409, err.code, err.message);
            throw err;
          }
        }
        if (bytes.length > this.maxFileBytes)
          throw new ProjectError(413, 'file_too_large', `files are limited to ${this.maxFileBytes} bytes`);
        const digest = sha256Of(bytes);
        const asBlob = bytes.length > INLINE_FILE_BYTES;
        const content = asBlob ? { blob: digest } : { contentBase64: bytes.toString('base64') };
        event = {
          type: 'FileChanged',
          data: { path: p, ...content, sha256: digest, size: bytes.length, agentId, sessionId },
        };
        if (asBlob) before = () => storeBlob(this.store, bytes, digest);
      }
      try {
        const stored = await this.appendAndApply(
          stream,
          event.type,
          event.data,
          version === 0 ? 'no_stream' : version,
          {
            // A delete always passes: it frees the bytes, and there are no more deletes than files.
            admitted: kind === 'deleted',
            ...(before ? { before } : {}),
          },
        );
        return { path: p, version: stored.version, at: stored.createdAt.toISOString() };
      } catch (err) {
        // A diff was computed against a content that changed meanwhile: the caller must rebase.
        if (err instanceof ConcurrencyError && kind !== 'diff' && attempt < 3) continue;
        throw err;
      }
    }
  }

  /**
   * The stream's last event, read from the version the projection knows (usually one row).
   * Newer versions another replica wrote, not yet delivered by the subscription, are folded
   * in now: the version about to be written is applied at once, and the projection would
   * skip any older one that came after it.
   */
  private async latest(stream: string, p: string): Promise<StoredEvent[]> {
    let from = this.projection.history(p).at(-1)?.version ?? 1;
    let last: StoredEvent | undefined;
    for (;;) {
      const page = await this.store.readStream(stream, { fromVersion: from, limit: READ_PAGE });
      for (const e of page) this.projection.apply(e);
      last = page.at(-1) ?? last;
      if (page.length < READ_PAGE) return last ? [last] : [];
      from = last!.version + 1;
    }
  }

  /** The bytes of one version: from memory for the newest small file, otherwise read back from the store. */
  async content(path: string, v: FileVersion): Promise<Buffer> {
    if (v.content) return v.content;
    const [e] = await this.store.readStream(fileStream(path), { fromVersion: v.version, limit: 1 });
    const mismatch = () => new Error(`stored content of ${path}@${v.version} does not match`);
    if (!e) throw mismatch();
    const blob = (e.data as { blob?: string }).blob;
    // readBlob checks a blob's bytes against its hash: naming the version's hash is enough.
    if (blob !== undefined) {
      if (blob !== v.sha256) throw mismatch();
      return readBlob(this.store, blob);
    }
    const bytes = await this.eventContent(e);
    if (sha256Of(bytes) !== v.sha256) throw mismatch();
    return bytes;
  }

  /** The bytes a FileChanged event carries inline or names as a blob. */
  private async eventContent(e: StoredEvent): Promise<Buffer> {
    const d = e.data as { contentBase64?: string; blob?: string };
    return d.blob !== undefined ? readBlob(this.store, d.blob) : Buffer.from(d.contentBase64 ?? '', 'base64');
  }

  async annotate(
    agentId: string,
    body: { path?: unknown; text?: unknown; severity?: unknown; line?: unknown },
  ): Promise<Annotation> {
    const p = path(body.path);
    if (typeof body.text !== 'string' || body.text.length === 0 || body.text.length > MAX_TEXT) {
      throw new ProjectError(400, 'invalid_request', `text must be a string of 1-${MAX_TEXT} characters`);
    }
    const severity = body.severity ?? 'info';
    if (!SEVERITIES.includes(severity as Severity))
      throw new ProjectError(400, 'invalid_request', `severity must be one of ${SEVERITIES.join(', ')}`);
    const line = body.line ?? null;
    if (line !== null && !(Number.isInteger(line) && (line as number) >= 1 && (line as number) <= MAX_LINE)) {
      throw new ProjectError(400, 'invalid_request', `line must be an integer from 1 to ${MAX_LINE}`);
    }
    const annotation: Annotation = {
      id: randomUUID(),
      path: p,
      text: body.text,
      severity: severity as Severity,
      line: line as number | null,
      agentId,
      at: new Date().toISOString(),
    };
    await this.appendAndApply(ANNOTATIONS_STREAM, 'AnnotationAdded', annotation, 'any');
    return this.projection.annotations(p).find((a) => a.id === annotation.id)!;
  }

  async createContext(
    agentId: string,
    body: { name?: unknown; files?: unknown; note?: unknown },
  ): Promise<ContextPackage> {
    if (typeof body.name !== 'string' || body.name.length === 0 || body.name.length > 200) {
      throw new ProjectError(400, 'invalid_request', 'name must be a string of 1-200 characters');
    }
    if (!Array.isArray(body.files) || body.files.length > MAX_CONTEXT_FILES) {
      throw new ProjectError(
        400,
        'invalid_request',
        `files must be a list of at most ${MAX_CONTEXT_FILES} paths`,
      );
    }
    const files = [...new Set(body.files.map(path))];
    const note = body.note ?? '';
    if (typeof note !== 'string' || note.length > MAX_TEXT)
      throw new ProjectError(
        400,
        'invalid_request',
        `note must be a string of at most ${MAX_TEXT} characters`,
      );
    const id = randomUUID();
    const context: ContextPackage = {
      id,
      name: body.name,
      note,
      files,
      agentId,
      createdAt: new Date().toISOString(),
    };
    await this.appendAndApply(contextStream(id), 'ContextCreated', context, 'no_stream');
    return this.projection.context(id)!;
  }
}

/** `?at=` as a Date; absent = now. */
export function parseAt(at: unknown): Date | undefined {
  if (at === undefined || at === '') return undefined;
  const d = typeof at === 'string' && /^\d{4}-\d{2}-\d{2}/.test(at) ? new Date(at) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new ProjectError(400, 'invalid_time', '"at" must be an ISO-8601 time');
  return d;
}
