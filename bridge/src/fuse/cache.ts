// The sidecar's in-memory view of the project: a snapshot filled from the
// bridge on demand and kept fresh by live events. FUSE handlers only call
// `lookup` and `bytes`, which answer from memory when they can. What is fetched
// for readers (past trees, shadows, stream logs, file contents) is bounded, the
// least recently used going first, since readers can name past times and
// streams without end; what went is fetched again when looked up.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { buildTree, putFile, removeFile } from './file-tree.js';
import type { ProjectSnapshot, TextFile } from './model.js';
import type { ProjectApi, ProjectEvent } from './project-api.js';
import { appendStream, renderContext, renderManifest, renderShadow } from './render.js';
import { resolve, streamName, type FsNode, type Need } from './resolve.js';
import { emptySnapshot } from './snapshot.js';
import { LruMap } from './lru-map.js';

export interface CacheOptions {
  /** Bytes of file content kept in memory (least recently used evicted). */
  contentBytes?: number;
  /** How many change points /history lists. */
  historyLimit?: number;
  /** Past trees (/history/<time>) kept; the least recently used are fetched again when looked up. */
  trees?: number;
  /** Rendered /shadows files kept, likewise. */
  shadows?: number;
  /** Stream logs kept, likewise, besides those an open handle reads. */
  streams?: number;
  /** A stream log older than this is refreshed when it is looked up (tail -f polls by size). */
  streamRefreshMs?: number;
  /** Bytes of each stream log kept in memory; older lines are dropped from the head. */
  streamBytes?: number;
  now?: () => Date;
}

export type Resolved = Exclude<FsNode, { kind: 'load' }>;

/** A fetch in flight whose result a live event can make stale; the event marks it. */
interface Watch {
  changed: boolean;
}

interface StreamState {
  /** The last event's position in the log (absent: no events yet). */
  position: string | undefined;
  refreshedAt: number;
}

export class ProjectCache {
  snapshot: ProjectSnapshot;
  private readonly content: LRUCache<string, Buffer>;
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Tree fetches in flight by time, shadow fetches by path (see fetchFresh). */
  private readonly treeFetches = new Map<string, Watch>();
  private readonly shadowFetches = new Map<string, Watch>();
  /** Per stream looked up; evicting one drops its log, which is then fetched whole again. */
  private readonly streams: LruMap<string, StreamState>;
  /** Open handles per stream: their logs stay (one fetched again could read shorter, up to a page of events). */
  private readonly streamReaders = new Map<string, number>();
  private readonly historyLimit: number;
  private readonly streamRefreshMs: number;
  private readonly streamBytes: number;
  private readonly now: () => Date;

  constructor(
    private readonly api: ProjectApi,
    opts: CacheOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.snapshot = {
      ...emptySnapshot(this.now()),
      trees: new LruMap({ max: opts.trees ?? 32 }),
      shadows: new LruMap({ max: opts.shadows ?? 1024 }),
    };
    this.streams = new LruMap({
      max: opts.streams ?? 32,
      pinned: (name) => this.streamReaders.has(name),
      onEvict: (name) => this.snapshot.streams.delete(name),
    });
    this.historyLimit = opts.historyLimit ?? 100;
    this.streamRefreshMs = opts.streamRefreshMs ?? 500;
    this.streamBytes = opts.streamBytes ?? 4 * 1024 * 1024;
    this.content = new LRUCache({
      maxSize: opts.contentBytes ?? 256 * 1024 * 1024,
      sizeCalculation: (b) => Math.max(1, b.length),
    });
  }

  /** False until the first load: the view is mounted before the bridge can be reached (see sidecar.ts). */
  loaded = false;

  /** Loads the current tree, the change points and the context list (again after a lost feed). */
  async load(): Promise<void> {
    const [files, points, contexts] = await Promise.all([
      this.api.tree(),
      this.api.history(this.historyLimit),
      this.api.contexts(),
    ]);
    const snap = this.snapshot;
    snap.current = buildTree(files);
    snap.historyPoints = points;
    snap.contexts = new Map(contexts.map((c) => [c.id, c]));
    snap.shadows.clear();
    this.loaded = true;
  }

  /** Resolves a mount path, fetching what the snapshot lacks; null when nothing is there. */
  async lookup(fsPath: string): Promise<Resolved | null> {
    if (!this.loaded && fsPath !== '/') throw new NotLoadedError();
    const stream = this.streamOf(fsPath);
    if (stream !== undefined && this.streamIsStale(stream)) {
      const refresh = this.once(`stream:${stream}`, () => this.loadStream(stream));
      // A log already held is served as it is while the bridge cannot be reached, as a
      // cached file is (tail -F keeps reading); the next lookup tries again.
      if (this.snapshot.streams.has(stream)) await refresh.catch(() => undefined);
      else await refresh;
    }
    // A path lacks at most one piece (a tree, a shadow, a context package, a stream log). It is
    // resolved against what was fetched, kept or not (evicted meanwhile, or suspect: see fetchFresh).
    const node = resolve(this.snapshot, fsPath);
    if (node?.kind !== 'load') return node;
    const piece = await this.fill(node.need);
    const filled = piece && resolve({ ...this.snapshot, ...piece }, fsPath);
    return filled?.kind === 'load' ? null : filled;
  }

  /** Keeps a stream log in memory while an open handle reads it; call the result on release. */
  holdStream(name: string): () => void {
    this.streamReaders.set(name, (this.streamReaders.get(name) ?? 0) + 1);
    return () => {
      const readers = (this.streamReaders.get(name) ?? 1) - 1;
      if (readers > 0) this.streamReaders.set(name, readers);
      else this.streamReaders.delete(name);
    };
  }

  /** The stream name when a mount path is a /streams log. */
  streamOf(fsPath: string): string | undefined {
    const m = /^\/streams\/([^/]+)$/.exec(fsPath);
    return m?.[1] === undefined ? undefined : (streamName(m[1]) ?? undefined);
  }

  /** Bytes of a file node. Project files are content-addressed, so every version is fetched once. */
  async bytes(node: Resolved): Promise<Buffer | null> {
    if (node.kind === 'text') return node.file.bytes;
    if (node.kind !== 'blob') return null;
    const hit = this.content.get(node.sha256);
    if (hit) return hit;
    // Pinned to the version's own time: a newer version (or the bridge's view of an
    // older one) must not be served under this node's size and hash.
    const { path } = node.source;
    const at = node.source.at ?? node.mtime.toISOString();
    // Readers opening a file at once (a cold cache) share one fetch of it.
    const fetched = await this.once(`file:${at}:${path}`, () => this.fetchFile(path, at));
    if (fetched === null) return null;
    if (fetched.sha256 !== node.sha256) throw new Error(`the bridge served other bytes for ${path}`);
    return fetched.bytes;
  }

  /** A file's bytes at a time, kept in the content cache under their hash. */
  private async fetchFile(path: string, at: string): Promise<{ bytes: Buffer; sha256: string } | null> {
    const bytes = await this.api.file(path, at);
    if (bytes === null) return null;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.content.set(sha256, bytes);
    return { bytes, sha256 };
  }

  /** Applies one live event; the next lookup sees it. */
  apply(event: ProjectEvent): void {
    const snap = this.snapshot;
    if ('path' in event) this.mark(this.shadowFetches.get(event.path));
    const at = new Date(event.at);
    const iso = at.toISOString();
    switch (event.type) {
      case 'FileChanged':
        putFile(snap.current, { path: event.path, size: event.size, sha256: event.sha256, mtime: at });
        if (event.content) this.content.set(event.sha256, event.content);
        snap.shadows.delete(event.path);
        this.addPoint(iso);
        return;
      case 'FileDeleted':
        removeFile(snap.current, event.path, at);
        snap.shadows.delete(event.path);
        this.addPoint(iso);
        return;
      case 'AnnotationAdded':
        snap.shadows.delete(event.path);
        return;
      case 'ContextCreated':
        snap.contexts.set(event.id, { id: event.id, name: event.name, createdAt: iso });
        return;
    }
  }

  private mark(watch: Watch | undefined): void {
    if (watch) watch.changed = true;
  }

  private addPoint(at: string): void {
    // A tree fetched, or being fetched, for a time at or after this change no longer holds.
    for (const key of this.snapshot.trees.keys()) if (key >= at) this.snapshot.trees.delete(key);
    for (const [key, watch] of this.treeFetches) if (key >= at) this.mark(watch);
    const points = this.snapshot.historyPoints;
    if (points.includes(at)) return;
    points.unshift(at);
    if (points.length > this.historyLimit) points.length = this.historyLimit;
  }

  private streamIsStale(name: string): boolean {
    const state = this.streams.get(name);
    return !state || this.now().getTime() - state.refreshedAt >= this.streamRefreshMs;
  }

  /** Fetches a stream's new events; returns its log, undefined while it has no events. */
  private async loadStream(name: string): Promise<TextFile | undefined> {
    const state = this.streams.get(name);
    const events = await this.api.streamEvents(name, state?.position);
    const last = events.at(-1);
    // Evicted during the fetch: its log is gone, and these events only follow the old position.
    if (state && !this.streams.has(name)) return undefined;
    const existing = this.snapshot.streams.get(name);
    const file = events.length > 0 || existing ? appendStream(existing, events, this.streamBytes) : undefined;
    if (file) this.snapshot.streams.set(name, file);
    this.streams.set(name, {
      position: last ? last.position : state?.position,
      refreshedAt: this.now().getTime(),
    });
    return file;
  }

  /** Fetches what a `load` node needs, as snapshot entries to resolve against; null when the bridge has nothing there. */
  private async fill(need: Need): Promise<Partial<ProjectSnapshot> | null> {
    const snap = this.snapshot;
    switch (need.what) {
      case 'tree': {
        const tree = await this.once(`tree:${need.at}`, () =>
          this.fetchFresh(
            this.treeFetches,
            need.at,
            async () => buildTree(await this.api.tree(need.at)),
            (t) => snap.trees.set(need.at, t),
          ),
        );
        return { trees: new Map([[need.at, tree]]) };
      }
      case 'shadow': {
        const shadow = await this.once(`shadow:${need.path}`, () =>
          this.fetchFresh(
            this.shadowFetches,
            need.path,
            async () => {
              const [annotations, changes] = await Promise.all([
                this.api.annotations(need.path),
                this.api.fileHistory(need.path),
              ]);
              return renderShadow(need.path, annotations, changes);
            },
            (file) => snap.shadows.set(need.path, file),
          ),
        );
        return { shadows: new Map([[need.path, shadow]]) };
      }
      case 'context': {
        const loaded = await this.once(`context:${need.id}`, async () => {
          const pkg = await this.api.context(need.id);
          if (!pkg) return undefined;
          const mtime = new Date(pkg.createdAt);
          const tree = buildTree(pkg.files.map((f) => ({ ...f, mtime })));
          const entry = { pkg, tree, manifest: renderManifest(pkg), context: renderContext(pkg) };
          snap.packages.set(need.id, entry);
          return entry;
        });
        return loaded ? { packages: new Map([[need.id, loaded]]) } : null;
      }
      case 'stream': {
        // lookup() loaded it already unless it was evicted since; absent means the stream has no events.
        const file = this.streamIsStale(need.name)
          ? await this.once(`stream:${need.name}`, () => this.loadStream(need.name))
          : snap.streams.get(need.name);
        return file ? { streams: new Map([[need.name, file]]) } : null;
      }
    }
  }

  /**
   * Fetches what a live event can make stale (a past tree, a shadow) and keeps it, unless an
   * event it depends on arrived during the fetch (the answer may predate it): then it fetches
   * again, and after three tries answers the last result without keeping it.
   */
  private async fetchFresh<T>(
    watching: Map<string, Watch>,
    key: string,
    fetch: () => Promise<T>,
    keep: (value: T) => void,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const watch: Watch = { changed: false };
      watching.set(key, watch);
      let value: T;
      try {
        value = await fetch();
      } finally {
        watching.delete(key);
      }
      if (!watch.changed) {
        keep(value);
        return value;
      }
      if (attempt === 3) return value;
    }
  }

  /** Runs one fetch per key at a time; concurrent lookups share it. */
  private once<T>(key: string, run: () => Promise<T>): Promise<T> {
    let p = this.inflight.get(key) as Promise<T> | undefined;
    if (!p) {
      p = run().finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }
}

/** A read below the root before the project was loaded from the bridge (answered EAGAIN). */
export class NotLoadedError extends Error {
  override name = 'NotLoadedError';
  constructor() {
    super('the project is not loaded from the bridge yet');
  }
}
