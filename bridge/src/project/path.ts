// Project paths: relative to the project root, `/`-separated, NFC, no `.`/`..`
// segments, never escaping the root. Anything else is refused before a byte is stored.
import { createHash } from 'node:crypto';

export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;

export class InvalidPathError extends Error {
  readonly code = 'invalid_path';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`invalid path: ${reason}`);
    this.name = 'InvalidPathError';
  }
}

export function normalisePath(input: unknown): string {
  if (typeof input !== 'string') throw new InvalidPathError(String(input), 'path must be a string');
  if (input.includes('\0')) throw new InvalidPathError(input, 'NUL byte in path');
  if (input.startsWith('/') || /^[A-Za-z]:[\\/]/.test(input) || input.startsWith('\\')) {
    throw new InvalidPathError(input, 'absolute paths are not allowed; give it relative to the project root');
  }
  const out: string[] = [];
  for (const segment of input.normalize('NFC').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) throw new InvalidPathError(input, '".." escapes the project root');
      out.pop();
      continue;
    }
    if (Buffer.byteLength(segment) > MAX_NAME_BYTES) {
      throw new InvalidPathError(input, `a name is longer than ${MAX_NAME_BYTES} bytes`);
    }
    out.push(segment);
  }
  const path = out.join('/');
  if (path === '') throw new InvalidPathError(input, 'the path names the project root, not a file');
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    throw new InvalidPathError(input, `path is longer than ${MAX_PATH_BYTES} bytes`);
  }
  return path;
}

const STREAM_SAFE = /^[A-Za-z0-9_.:@/-]{1,190}$/;

/**
 * The event stream of a file. Stream names allow a narrow alphabet, so other
 * paths (spaces, non-ASCII, very long) use a digest; events carry the path itself.
 */
export function fileStream(path: string): string {
  if (STREAM_SAFE.test(path)) return `file:${path}`;
  return `file-sha256:${createHash('sha256').update(path).digest('hex')}`;
}
