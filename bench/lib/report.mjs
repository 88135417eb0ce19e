// Results go to bench/results/<name>.json (ignored by git); BENCHMARKS.md quotes the ratios.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

export function writeResult(name, data) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, `${name}.json`),
    JSON.stringify({ at: new Date().toISOString(), ...data }, null, 2),
  );
}
