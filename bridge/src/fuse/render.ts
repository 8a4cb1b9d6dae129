// The generated files of the mount: JSON views and stream logs, rendered
// once when their data is loaded (getattr must know the exact size).
import type { Annotation, ContextPackage, FileChange, StreamEvent, TextFile } from './model.js';

function json(value: unknown, mtime: Date): TextFile {
  return { bytes: Buffer.from(`${JSON.stringify(value, null, 2)}\n`), mtime };
}

function newest(times: string[], fallback: Date): Date {
  let best = fallback;
  for (const t of times) {
    const d = new Date(t);
    if (!Number.isNaN(d.getTime()) && d > best) best = d;
  }
  return best;
}

/** /shadows/<path>.json: a file's annotations and its change history. */
export function renderShadow(path: string, annotations: Annotation[], changes: FileChange[]): TextFile {
  const mtime = newest([...annotations.map((a) => a.at), ...changes.map((c) => c.at)], new Date(0));
  return json({ path, annotations, history: changes }, mtime);
}

/** /context/<id>/manifest.json: what the package holds. */
export function renderManifest(pkg: ContextPackage): TextFile {
  return json({ id: pkg.id, createdAt: pkg.createdAt, files: pkg.files }, new Date(pkg.createdAt));
}

/** /context/<id>/context.json: who made the package and why. */
export function renderContext(pkg: ContextPackage): TextFile {
  const { id, name, note, agentId, createdAt } = pkg;
  return json({ id, name, note, agentId, createdAt }, new Date(createdAt));
}

/** One line per event: `<at> <type> <position> <data as JSON>`; append-only as events arrive. */
export function renderStreamLine(e: StreamEvent): string {
  return `${e.at} ${e.type} ${e.position} ${JSON.stringify(e.data)}\n`;
}

/**
 * Appends events to a stream log that keeps at most `maxBytes` in memory: past
 * that, whole lines are dropped from the head (the file's size and offsets keep counting).
 */
export function appendStream(
  file: TextFile | undefined,
  events: StreamEvent[],
  maxBytes = Number.POSITIVE_INFINITY,
): TextFile {
  const lines = events.map(renderStreamLine).join('');
  const last = events.at(-1);
  const mtime = last ? new Date(last.at) : (file?.mtime ?? new Date(0));
  let bytes = Buffer.concat([file?.bytes ?? Buffer.alloc(0), Buffer.from(lines)]);
  let dropped = file?.dropped ?? 0;
  if (bytes.length > maxBytes) {
    const cut = bytes.indexOf(0x0a, bytes.length - maxBytes - 1) + 1; // after a newline: whole lines stay
    const keep = cut > 0 ? cut : bytes.length;
    dropped += keep;
    bytes = Buffer.from(bytes.subarray(keep)); // a copy, so the dropped head is freed
  }
  return dropped > 0 ? { bytes, mtime, dropped } : { bytes, mtime };
}
