// Benchmark probe, run as its own process (never inside the sidecar):
//   node probe.js stat <ops> <file…>   stat latency
//   node probe.js miss <ops> <file…>   stat of missing names beside the files (never cached by
//                                      the kernel, so every one reaches the filesystem's server)
//   node probe.js read <ops> <file…>   4 KiB pread at random offsets of open files
//   node probe.js cold 1 <file>        open + read the whole file + close, once
// Prints one JSON line: { op, n, p50Us, p99Us, meanUs }.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const [op, opsText, ...files] = process.argv.slice(2);
const ops = Number(opsText);
if (!op || !Number.isInteger(ops) || ops < 1 || files.length === 0) {
  process.stderr.write('usage: probe <stat|read|cold> <ops> <file…>\n');
  process.exit(2);
}

const samples: number[] = [];
const time = (fn: () => void) => {
  const t = process.hrtime.bigint();
  fn();
  samples.push(Number(process.hrtime.bigint() - t) / 1000);
};

const buf = Buffer.alloc(Math.max(4096, ...files.map((f) => (op === 'cold' ? statSync(f).size : 0))));
if (op === 'stat') {
  for (let i = 0; i < ops; i++) time(() => statSync(files[i % files.length]!));
} else if (op === 'miss') {
  for (let i = 0; i < ops; i++) {
    time(() => {
      if (statSync(`${files[i % files.length]!}.missing-${i}`, { throwIfNoEntry: false }))
        throw new Error('exists');
    });
  }
} else if (op === 'read') {
  const open = files.map((f) => ({ fd: openSync(f, 'r'), size: statSync(f).size }));
  for (let i = 0; i < ops; i++) {
    const f = open[i % open.length]!;
    const pos = Math.floor(Math.random() * Math.max(1, Math.floor((f.size - 4096) / 4096))) * 4096;
    time(() => {
      if (readSync(f.fd, buf, 0, 4096, pos) !== Math.min(4096, f.size - pos)) throw new Error('short read');
    });
  }
  for (const f of open) closeSync(f.fd);
} else if (op === 'cold') {
  for (const file of files) {
    time(() => {
      const fd = openSync(file, 'r');
      let got = 0;
      for (let n; (n = readSync(fd, buf, got, buf.length - got, got)) > 0;) got += n;
      closeSync(fd);
    });
  }
} else {
  process.stderr.write(`unknown op ${op}\n`);
  process.exit(2);
}

samples.sort((a, b) => a - b);
const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
process.stdout.write(
  `${JSON.stringify({ op, n: samples.length, p50Us: at(0.5), p99Us: at(0.99), meanUs: mean })}\n`,
);
