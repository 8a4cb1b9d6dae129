import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { configPath, isBridgeUrl, resolveClient, writeClientConfig } from './client-config.js';

const root = mkdtempSync(path.join(tmpdir(), 'client-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('isBridgeUrl', () => {
  it.each([
    ['http://127.0.0.1:8765', true],
    ['https://bridge.example/', true],
    ['localhost:8765', false], // parses, as scheme `localhost:`
    ['ftp://127.0.0.1', false],
    ['127.0.0.1:8765', false],
    ['', false],
  ])('%s → %s', (url, ok) => expect(isBridgeUrl(url)).toBe(ok));
});

describe('writeClientConfig', () => {
  it("keeps the user's onUnreachable when it rewrites the file (each `lighthouse run` does)", () => {
    const env = { XDG_CONFIG_HOME: path.join(root, 'keep') };
    writeClientConfig('http://127.0.0.1:1', 'lh1.a.key', env);
    const file = configPath(env);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), onUnreachable: 'ask' }));

    writeClientConfig('http://127.0.0.1:2', 'lh1.b.key', env);
    expect(resolveClient(env)).toMatchObject({
      url: 'http://127.0.0.1:2',
      credential: 'lh1.b.key',
      onUnreachable: 'ask',
    });
  });

  it('replaces a config file it cannot parse', () => {
    const env = { XDG_CONFIG_HOME: path.join(root, 'broken') };
    writeClientConfig('http://127.0.0.1:1', 'lh1.a.key', env);
    writeFileSync(configPath(env), '{ broken');
    writeClientConfig('http://127.0.0.1:2', 'lh1.b.key', env);
    expect(resolveClient(env)).toMatchObject({ url: 'http://127.0.0.1:2', onUnreachable: undefined });
  });
});

describe('resolveClient', () => {
  it('refuses a bridge URL that is not http(s), naming where it came from', () => {
    const env = { XDG_CONFIG_HOME: path.join(root, 'url'), LIGHTHOUSE_CREDENTIAL: 'lh1.a.key' };
    expect(() => resolveClient({ ...env, LIGHTHOUSE_URL: 'localhost:8765' })).toThrow(
      'bridge URL localhost:8765 (LIGHTHOUSE_URL) is not an http:// or https:// URL',
    );
  });
});
