// `lighthouse fuse` refuses bad invocations with exit 2 and one clear line,
// before it touches /dev/fuse or the mount point.
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '@lighthouse/bridge/testing/scratch-dir.js';
import { NODE, REPO } from './mount-process.js';

const CLI = path.join(REPO, 'bridge/bin/lighthouse.js');

function lighthouse(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, LIGHTHOUSE_BRIDGE_URL: '', LIGHTHOUSE_CREDENTIAL_FILE: '' };
    execFile(NODE, [CLI, 'fuse', ...args], { env, encoding: 'utf8' }, (err, _out, stderr) =>
      resolve({ code: err ? Number(err.code) : 0, stderr }),
    );
  });
}

describe('lighthouse fuse arguments', () => {
  const work = scratchDir('lh-fuse-cli-');
  const badCredential = path.join(work, 'bad');
  writeFileSync(badCredential, 'not-a-credential\n');
  const goodCredential = path.join(work, 'good');
  writeFileSync(goodCredential, `lh1.fuse.${Buffer.alloc(32, 7).toString('base64url')}\n`);
  const mnt = path.join(work, 'mnt');
  const cases: [string, string[], string][] = [
    ['no mount', ['--bridge', 'http://127.0.0.1:1', '--credential', badCredential], '--mount is required'],
    [
      'no bridge',
      ['--mount', mnt, '--credential', badCredential],
      '--bridge (or LIGHTHOUSE_BRIDGE_URL) is required',
    ],
    [
      'missing credential file',
      ['--mount', mnt, '--bridge', 'http://127.0.0.1:1', '--credential', '/nonexistent'],
      'cannot read credential file /nonexistent: ENOENT',
    ],
    [
      'malformed credential',
      ['--mount', mnt, '--bridge', 'http://127.0.0.1:1', '--credential', badCredential],
      'credential must look like lh1.<agent-id>.<key>',
    ],
    [
      'bad port',
      ['--mount', mnt, '--bridge', 'http://127.0.0.1:1', '--credential', goodCredential, '--probe-port', 'x'],
      '--probe-port must be an integer',
    ],
    ['unknown option', ['--mount', mnt, '--frobnicate'], "Unknown option '--frobnicate'"],
  ];
  test.each(cases)('%s → exit 2 with one line', async (_name, args, message) => {
    const r = await lighthouse(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain(message);
    expect(r.stderr.split('\n')[0]).toMatch(/^lighthouse fuse: /);
  });
});
