// Runs the event store benchmark alone:
//   node test/dist/bench/events/run.js
// LIGHTHOUSE_BENCH_SECONDS (default 5) and LIGHTHOUSE_BENCH_CATCHUP (default 1000000)
// shorten it. Prints a table; writes bench/results/events.json.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, runEventsBench } from './events-bench.js';

const repo = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const num = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
  return n;
};

const results = await runEventsBench({
  seconds: num('LIGHTHOUSE_BENCH_SECONDS', 5),
  catchupEvents: Math.round(num('LIGHTHOUSE_BENCH_CATCHUP', 1_000_000)),
  resultsFile: path.join(repo, 'bench/results/events.json'),
});
process.stdout.write(`${formatTable(results)}\n`);
