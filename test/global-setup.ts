import { execFileSync } from 'node:child_process';

/**
 * CLI and multi-process tests run the compiled server: build it first when the sources changed.
 * LATCHKEY_TEST_SKIP_BUILD=1 skips this (for quick runs of in-process tests only).
 */
export default function setup(): void {
  if (process.env.LATCHKEY_TEST_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, ['scripts/ensure-built.mjs'], { stdio: 'inherit' });
}
