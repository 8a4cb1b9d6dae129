// The sidecar's in-memory view of the project: a snapshot filled from the
// bridge on demand and kept fresh by live events. FUSE handlers only call
// `lookup` and `content`, which answer from memory when they can.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { buildTree, putFile, removeFile } from './file-tree.js';
import type { ProjectSnapshot } from './model.js';
import type { ProjectApi, ProjectEvent } from './project-api.js';
import { appendStream, renderContext, renderManifest, renderShadow } from './render.js';
import { resolve, streamName, type FsNode, type Need } from './resolve.js';
import { emptySnapshot } from './snapshot.js';

export interface CacheOptions {
  /** Bytes of file content kept in memory (least recently used evicted). */
  contentBytes?: number;
  /** How many change points /history lists. */
  historyLimit?: number;
  /** A stream log older than this is refreshed when it is looked up (tail -f polls by size). */
  streamRefreshMs?: number;
  /** Bytes of each stream log kept in memory; older lines are dropped from the head. */
  streamBytes?: number;
  now?: () => Date;
}

export type Resolved = Exclude<FsNode, { kind: 'load' }>;

export class ProjectCache {
  snapshot: ProjectSnapshot;
  private readonly content: LRUCache<string, Buffer>;
  private readonly inflight = new Map<string, Promise<void>>();
  /** Per path, how many live events touched it (as many entries as paths ever changed). */
  private readonly changes = new Map<string, number>();
  private readonly streamPositions = new Map<string, { position: string | undefined; refreshedAt: number }>();
  private readonly historyLimit: number;
  private readonly streamRefreshMs: number;
  private readonly streamBytes: number;
  private readonly now: () => Date;

  constructor(
    private readonly api: ProjectApi,
    opts: CacheOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.snapshot = emptySnapshot(this.now());
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
      await this.once(`stream:${stream}`, () => this.loadStream(stream));
    }
    // A path lacks at most one piece (a tree, a shadow, a context package); the next round sees it filled.
    for (let round = 0; round < 3; round++) {
      const node = resolve(this.snapshot, fsPath);
      if (node === null) return null;
      if (node.kind !== 'load') return node;
      if (!(await this.fill(node.need))) return null;
    }
    return null;
  }

  /** The stream name when a mount path is a /streams log. */
  streamOf(fsPath: string): string | undefined {
    const m = /^\/streams\/([^/]+)$/.exec(fsPath);
    return m?.[1] === undefined ? undefined : streamName(m[1]);
  }

  /** Bytes of a file node. Project files are content-addressed, so every version is fetched once. */
  async bytes(node: Resolved): Promise<Buffer | null> {
    if (node.kind === 'text') return node.file.bytes;
    if (node.kind !== 'blob') return null;
    const hit = this.content.get(node.sha256);
    if (hit) return hit;
    // Pinned to the version's own time: a newer version (or the bridge's view of an
    // older one) must not be served under this node's size and hash.
    const bytes = await this.api.file(node.source.path, node.source.at ?? node.mtime.toISOString());
    if (bytes === null) return null;
    const sha = createHash('sha256').update(bytes).digest('hex');
    this.content.set(sha, bytes);
    if (sha !== node.sha256) throw new Error(`the bridge served other bytes for ${node.source.path}`);
    return bytes;
  }

  /** Applies one live event; the next lookup sees it. */
  apply(event: ProjectEvent): void {
    const snap = this.snapshot;
    if ('path' in event) this.changes.set(event.path, (this.changes.get(event.path) ?? 0) + 1);
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

  private addPoint(at: string): void {
    // A tree fetched for a time at or after this change no longer holds.
    for (const key of this.snapshot.trees.keys()) if (key >= at) this.snapshot.trees.delete(key);
    const points = this.snapshot.historyPoints;
    if (points.includes(at)) return;
    points.unshift(at);
    if (points.length > this.historyLimit) points.length = this.historyLimit;
  }

  private streamIsStale(name: string): boolean {
    const state = this.streamPositions.get(name);
    return !state || this.now().getTime() - state.refreshedAt >= this.streamRefreshMs;
  }

  private async loadStream(name: string): Promise<void> {
    const state = this.streamPositions.get(name);
    const events = await this.api.streamEvents(name, state?.position);
    const last = events.at(-1);
    this.streamPositions.set(name, {
      position: last ? last.position : state?.position,
      refreshedAt: this.now().getTime(),
    });
    const existing = this.snapshot.streams.get(name);
    if (events.length > 0 || existing)
      this.snapshot.streams.set(name, appendStream(existing, events, this.streamBytes));
  }

  /** Fetches what a `load` node needs; false when the bridge has nothing there. */
  private async fill(need: Need): Promise<boolean> {
    const snap = this.snapshot;
    switch (need.what) {
      case 'tree':
        await this.once(`tree:${need.at}`, async () => {
          snap.trees.set(need.at, buildTree(await this.api.tree(need.at)));
        });
        return snap.trees.has(need.at);
      case 'shadow':
        await this.once(`shadow:${need.path}`, async () => {
          // A change to the path arriving meanwhile makes what was fetched suspect: fetch again.
          for (let attempt = 0; attempt < 3; attempt++) {
            const generation = this.changes.get(need.path);
            const [annotations, changes] = await Promise.all([
              this.api.annotations(need.path),
              this.api.fileHistory(need.path),
            ]);
            if (this.changes.get(need.path) !== generation) continue;
            snap.shadows.set(need.path, renderShadow(need.path, annotations, changes));
            return;
          }
        });
        return snap.shadows.has(need.path);
      case 'context':
        await this.once(`context:${need.id}`, async () => {
          const pkg = await this.api.context(need.id);
          if (!pkg) return;
          const mtime = new Date(pkg.createdAt);
          const tree = buildTree(pkg.files.map((f) => ({ ...f, mtime })));
          snap.packages.set(need.id, {
            pkg,
            tree,
            manifest: renderManifest(pkg),
            context: renderContext(pkg),
          });
        });
        return snap.packages.has(need.id);
      case 'stream':
        // lookup() loaded it already; still absent means the stream has no events.
        return snap.streams.has(need.name);
    }
  }

  /** Runs one fetch per key at a time; concurrent lookups share it. */
  private once(key: string, run: () => Promise<void>): Promise<void> {
    let p = this.inflight.get(key);
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
