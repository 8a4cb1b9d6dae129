// The master key signs every agent key. It has no default: a bridge without one
// refuses to start, so a forgotten secret can never become a well-known one.
import { readFileSync } from 'node:fs';
import { ConfigError } from './env.js';

export const MIN_MASTER_KEY_BYTES = 32;

type Env = Record<string, string | undefined>;

/** Reads LIGHTHOUSE_MASTER_KEY or the file named by LIGHTHOUSE_MASTER_KEY_FILE (a mounted Secret). */
export function loadMasterKey(env: Env = process.env): Buffer {
  const inline = env.LIGHTHOUSE_MASTER_KEY;
  const file = env.LIGHTHOUSE_MASTER_KEY_FILE;
  if (inline && file) {
    throw new ConfigError(
      'LIGHTHOUSE_MASTER_KEY',
      'set either LIGHTHOUSE_MASTER_KEY or LIGHTHOUSE_MASTER_KEY_FILE, not both',
    );
  }
  let value: string;
  let variable: string;
  if (inline) {
    value = inline;
    variable = 'LIGHTHOUSE_MASTER_KEY';
  } else if (file) {
    variable = 'LIGHTHOUSE_MASTER_KEY_FILE';
    try {
      value = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        variable,
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  } else {
    throw new ConfigError(
      'LIGHTHOUSE_MASTER_KEY',
      'required (or LIGHTHOUSE_MASTER_KEY_FILE); generate one with `openssl rand -hex 32`',
    );
  }
  const key = Buffer.from(value.trim(), 'utf8');
  if (key.length < MIN_MASTER_KEY_BYTES) {
    throw new ConfigError(variable, `must be at least ${MIN_MASTER_KEY_BYTES} bytes, got ${key.length}`);
  }
  return key;
}
