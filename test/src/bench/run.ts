// `make bench`: runs every benchmark (each its own process, one after the
// other, so they do not compete for the two cores), then writes one report —
// bench/report.md and bench/report.json — with each figure beside the
// baseline measured in the same run, the ratio and the goal.
// BENCH_ONLY=events,bridge runs a subset (the report keeps the others' last results).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportRows, type Row } from './report.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const results = path.join(repo, 'bench/results');

interface Bench {
  name: string;
  script: string;
  /** Benchmarks that print their JSON instead of writing a file. */
  stdoutJson?: boolean;
  env?: Record<string, string>;
}

const benches: Bench[] = [
  { name: 'events', script: 'test/dist/bench/events/run.js' },
  { name: 'bridge', script: 'test/dist/bench/bridge/validate-bench.js' },
  { name: 'policy', script: 'test/dist/bench/policy.js', stdoutJson: true },
  { name: 'collaboration', script: 'test/dist/bench/collaboration/collaboration-bench.js', stdoutJson: true },
  { name: 'fuse', script: 'test/dist/bench/fuse/fuse-bench.js' },
  { name: 'operator', script: 'test/dist/bench/operator/operator-bench.js' },
  {
    name: 'load',
    script: 'test/dist/load/run.js',
    env: process.env.LOAD_AGENTS ? { LOAD_AGENTS: process.env.LOAD_AGENTS } : {},
  },
];

function run(b: Bench): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repo, b.script)], {
      cwd: repo,
      env: { ...process.env, ...b.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      if (!b.stdoutJson) process.stdout.write(d);
    });
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

const only = process.env.BENCH_ONLY?.split(',');
mkdirSync(results, { recursive: true });
const failures: string[] = [];
for (const b of benches) {
  if (only && !only.includes(b.name)) continue;
  process.stderr.write(`\n=== bench: ${b.name}\n`);
  const started = Date.now();
  const { code, stdout } = await run(b);
  process.stderr.write(`=== ${b.name}: exit ${code} after ${Math.round((Date.now() - started) / 1000)} s\n`);
  if (code !== 0) {
    failures.push(b.name);
    continue;
  }
  if (b.stdoutJson) writeFileSync(path.join(results, `${b.name}.json`), stdout);
}

const sections: { name: string; rows: Row[]; date: string | null }[] = [];
for (const b of benches) {
  const file = path.join(results, `${b.name}.json`);
  if (!existsSync(file)) continue;
  const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const date = (data.date ?? data.at ?? data.when ?? null) as string | null;
  sections.push({ name: b.name, rows: reportRows(b.name, data), date });
}

const fmt = (v: number | string | null | undefined) =>
  v === null || v === undefined ? '–' : typeof v === 'number' ? String(+v.toFixed(2)) : v;
const lines = [
  '# Lighthouse benchmark report',
  '',
  `Generated ${new Date().toISOString()} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}. Reproduce with \`make bench\`.`,
  'Every baseline was measured in the same run of its benchmark, on the same machine.',
  '',
];
for (const s of sections) {
  lines.push(`## ${s.name}${s.date ? ` (measured ${s.date})` : ''}`, '');
  lines.push('| figure | ours | baseline | ratio | goal | met |', '|---|---|---|---|---|---|');
  for (const r of s.rows) {
    const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
    lines.push(
      `| ${r.figure} | ${fmt(r.value)} ${r.unit} | ${r.baseline === undefined ? '–' : `${fmt(r.baseline)} ${r.baselineUnit ?? r.unit} (${r.baselineLabel})`} | ${r.ratio === undefined ? '–' : `${fmt(r.ratio)}×`} | ${r.goal ?? ''} | ${met} |`,
    );
  }
  lines.push('');
}
if (failures.length)
  lines.push(`Failed in this run (older results shown if any): ${failures.join(', ')}`, '');
writeFileSync(path.join(repo, 'bench/report.md'), lines.join('\n'));
writeFileSync(
  path.join(repo, 'bench/report.json'),
  JSON.stringify({ date: new Date().toISOString(), cores: cpus().length, sections, failures }, null, 2) +
    '\n',
);
process.stdout.write('\n' + lines.join('\n') + '\n');
process.exitCode = failures.length ? 1 : 0;
