// `npm run bench` runs the short version of every benchmark (a few minutes); `npm run bench -- --full` the
// long one. Each writes bench/results/<name>.json; this prints them one after the other.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const all = ['tokens', 'refresh-storm', 'proxy', 'proxy-cpu', 'scale'];
let failed = false;
for (const name of only.length ? only : all) {
  process.stdout.write(`\n## ${name}\n\n`);
  const r = spawnSync(
    process.execPath,
    [path.join(here, `${name}.mjs`), ...args.filter((a) => a.startsWith('--'))],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) {
    failed = true;
    process.stdout.write(`(${name} failed with exit code ${r.status})\n`);
  }
}
process.exitCode = failed ? 1 : 0;
