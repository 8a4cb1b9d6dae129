// An empty snapshot: what the mount shows before the first load.
import { buildTree } from './file-tree.js';
import type { ProjectSnapshot } from './model.js';

export function emptySnapshot(startedAt: Date): ProjectSnapshot {
  return {
    startedAt,
    current: buildTree([]),
    historyPoints: [],
    trees: new Map(),
    shadows: new Map(),
    contexts: new Map(),
    packages: new Map(),
    streams: new Map(),
  };
}
