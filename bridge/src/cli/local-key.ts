// `lighthouse run` keeps a generated master key next to its data, readable by
// the owner only, so a local bridge never runs with a well-known key.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MIN_MASTER_KEY_BYTES } from '../config/master-key.js';

export function localKeyPath(dataDir: string): string {
  return path.join(path.dirname(path.resolve(dataDir)), 'master.key');
}

export function loadOrCreateLocalKey(dataDir: string): { key: Buffer; file: string; created: boolean } {
  const file = localKeyPath(dataDir);
  if (existsSync(file)) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
    if (key.length < MIN_MASTER_KEY_BYTES)
      throw new Error(`${file} holds a key shorter than ${MIN_MASTER_KEY_BYTES} bytes`);
    return { key, file, created: false };
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const text = randomBytes(32).toString('hex');
  writeFileSync(file, `${text}\n`, { mode: 0o600, flag: 'wx' });
  return { key: Buffer.from(text, 'utf8'), file, created: true };
}
