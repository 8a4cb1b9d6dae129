// Test support: the project contract over a fixed list of file versions, for
// mount tests of the FUSE layer itself (life cycle, EROFS, parallel reads).
// Tests of what the project shows use a real bridge instead (bridge-mount.test.ts).
import { createHash } from 'node:crypto';
import type { FileMeta } from '@lighthouse/bridge/fuse/model.js';
import type { ProjectApi } from '@lighthouse/bridge/fuse/project-api.js';

export interface FixtureVersion {
  path: string;
  at: string;
  /** Base64 bytes; null deletes the file. */
  contentBase64: string | null;
}

export function fixtureApi(versions: FixtureVersion[]): ProjectApi {
  const stateAt = (at?: string) => {
    const limit = at ? Date.parse(at) : Infinity;
    const files = new Map<string, { bytes: Buffer; at: string }>();
    for (const v of versions) {
      if (Date.parse(v.at) > limit) continue;
      if (v.contentBase64 === null) files.delete(v.path);
      else files.set(v.path, { bytes: Buffer.from(v.contentBase64, 'base64'), at: v.at });
    }
    return files;
  };
  return {
    async tree(at) {
      return [...stateAt(at)]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([path, f]): FileMeta => ({
          path,
          size: f.bytes.length,
          sha256: createHash('sha256').update(f.bytes).digest('hex'),
          mtime: new Date(f.at),
        }));
    },
    async file(path, at) {
      return stateAt(at).get(path)?.bytes ?? null;
    },
    async fileHistory() {
      return [];
    },
    async history(limit) {
      return [...new Set(versions.map((v) => new Date(v.at).toISOString()))].reverse().slice(0, limit);
    },
    async annotations() {
      return [];
    },
    async contexts() {
      return [];
    },
    async context() {
      return null;
    },
    async streamEvents() {
      return [];
    },
  };
}
