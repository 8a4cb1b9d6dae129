// `make manifests`: writes the plain manifests rendered from the chart.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { MANIFESTS, repo } from './helm.js';

for (const [file, render] of Object.entries(MANIFESTS)) {
  const target = path.join(repo, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, await render());
  console.log(`wrote ${file}`);
}
