import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../testing/scratch-dir.js';
import { ConfigError } from './env.js';
import { loadMasterKey } from './master-key.js';

const key = 'k'.repeat(32);

describe('loadMasterKey', () => {
  it('has no default', () => {
    expect(() => loadMasterKey({})).toThrow(ConfigError);
    expect(() => loadMasterKey({})).toThrow(/LIGHTHOUSE_MASTER_KEY: required/);
  });

  it('reads the variable or a mounted file (trailing newline ignored)', () => {
    expect(loadMasterKey({ LIGHTHOUSE_MASTER_KEY: key }).toString()).toBe(key);
    const file = path.join(scratchDir('lh-key-'), 'key');
    writeFileSync(file, `${key}\n`);
    expect(loadMasterKey({ LIGHTHOUSE_MASTER_KEY_FILE: file }).toString()).toBe(key);
  });

  it.each([
    [{ LIGHTHOUSE_MASTER_KEY: 'short' }, /at least 32 bytes, got 5/],
    [{ LIGHTHOUSE_MASTER_KEY_FILE: '/nonexistent/key' }, /LIGHTHOUSE_MASTER_KEY_FILE: cannot read/],
    [{ LIGHTHOUSE_MASTER_KEY: key, LIGHTHOUSE_MASTER_KEY_FILE: '/x' }, /not both/],
  ])('refuses %j', (env, message) => {
    expect(() => loadMasterKey(env)).toThrow(message);
  });
});
