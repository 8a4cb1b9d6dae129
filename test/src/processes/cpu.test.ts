import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startPostgres } from '@lighthouse/bridge/testing/postgres.js';
import { cpuMicros, postgresCpuMicros, startCpuMeter } from './cpu.js';

/**
 * Spins until Node's own account (process.cpuUsage, not /proc) says this process
 * has used `micros` of CPU: on a busy machine a wall-clock spin may get little of it.
 */
function spin(micros: number): void {
  const start = process.cpuUsage();
  const cap = Date.now() + 20_000;
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= micros || Date.now() > cap) return;
  }
}

describe('CPU time from /proc', () => {
  it('counts this process spinning', () => {
    const before = cpuMicros(process.pid);
    spin(200_000);
    expect(cpuMicros(process.pid) - before).toBeGreaterThanOrEqual(150_000); // /proc counts in 10 ms ticks
  });

  it('counts a PostgreSQL server working for a client, backends included', async () => {
    const server = await startPostgres();
    const client = new pg.Client({ connectionString: server.url });
    try {
      await client.connect();
      const before = postgresCpuMicros(server.dataDir);
      await client.query('SELECT count(*) FROM generate_series(1, 3000000)');
      expect(postgresCpuMicros(server.dataDir) - before).toBeGreaterThanOrEqual(50_000);
    } finally {
      await client.end();
      server.stop();
    }
  }, 60_000);

  it('divides what each process spent since the meter started by the units of work', () => {
    const meter = startCpuMeter(process.pid);
    spin(200_000); // this process is both the "server" and the client
    const perUnit = meter(2);
    expect(perUnit.server).toBeGreaterThanOrEqual(75_000);
    expect(perUnit.client).toBeGreaterThanOrEqual(75_000);
    expect(perUnit.database).toBeUndefined();
  });

  it('says which process is missing', () => {
    expect(() => cpuMicros(2 ** 22 + 1)).toThrow(/no process/);
  });
});
