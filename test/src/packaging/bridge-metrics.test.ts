// Every lighthouse_bridge_* metric the chart's alerts and dashboard read is
// exported by the real bridge process (`lighthouse serve`) on /metrics. The
// operator's names are checked against the real operator in chart-install.test.ts.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { freePort } from '@lighthouse/bridge/testing/postgres.js';

import { repo } from './helm.js';
import { exposedMetricNames } from './metric-names.js';
import { monitoredMetricNames } from './monitoring.js';

describe('monitoring of the bridge', () => {
  it('reads only metrics the real bridge exports', async () => {
    const wanted = [...(await monitoredMetricNames())].filter((n) => n.startsWith('lighthouse_bridge_'));
    expect(wanted.length).toBeGreaterThan(5);

    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lighthouse-metrics-'));
    const port = await freePort();
    const bridge = spawn(process.execPath, [path.join(repo, 'bridge', 'bin', 'lighthouse.js'), 'serve'], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LIGHTHOUSE_DATA_DIR: dataDir,
        LIGHTHOUSE_MASTER_KEY: randomBytes(32).toString('hex'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    bridge.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      let text: string | undefined;
      const deadline = Date.now() + 90_000;
      while (text === undefined && bridge.exitCode === null && Date.now() < deadline) {
        text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
          (r) => (r.ok ? r.text() : undefined),
          () => undefined,
        );
        if (text === undefined) await new Promise((r) => setTimeout(r, 200));
      }
      if (text === undefined) throw new Error(`no /metrics from the bridge: ${stderr}`);
      const exposed = exposedMetricNames(text);
      expect(wanted.filter((n) => !exposed.has(n))).toEqual([]);
    } finally {
      bridge.kill('SIGTERM');
      await once(bridge, 'exit');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
