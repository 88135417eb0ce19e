import { execFileSync } from 'node:child_process';

/** CLI and multi-process tests run the compiled server: build it first when the sources changed. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/ensure-built.mjs'], { stdio: 'inherit' });
}
