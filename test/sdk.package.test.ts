/**
 * The SDK package: its generated types match the server (the OpenAPI document and the error list), and it
 * builds into an importable `@latchkey/client`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('@latchkey/client, the package', () => {
  it('has types generated from the current OpenAPI document and error list (else: npm run sdk:generate)', async () => {
    const result = await run(process.execPath, ['sdk/scripts/generate.mjs', '--check']).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('builds with tsc into an ESM package whose door exports the client', async () => {
    const tsc = path.resolve('node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'sdk/tsconfig.build.json']);
    await run(process.execPath, ['sdk/scripts/copy-types.mjs']);
    for (const file of ['index.js', 'index.d.ts', 'schema.d.ts', 'error-codes.js'])
      expect(fs.existsSync(path.join('sdk/dist', file)), file).toBe(true);
    // Resolved as a dependency would be: through the workspace link and the package's `exports`.
    const sdk = (await import('@latchkey/client' as string)) as Record<string, unknown>;
    expect(typeof sdk.createClient).toBe('function');
    expect(typeof sdk.LatchkeyError).toBe('function');
    expect(sdk.SERVER_ERROR_CODES).toContain('credential_not_active');
    const pkg = JSON.parse(fs.readFileSync('sdk/package.json', 'utf8'));
    expect(Object.keys(pkg.dependencies)).toEqual(['openapi-fetch']);
  }, 60_000);
});
