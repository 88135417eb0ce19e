/**
 * The Python client (`clients/python/`, standard library only) against a real server: this starts one with
 * the sandbox, authorizes a credential, then runs the client's own unittest suite with the machine's
 * `python3` and the server in its environment. Skipped, saying why, only when there is no python3.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServedSandbox, type ServedSandbox } from './helpers/served-sandbox.js';

const run = promisify(execFile);

function pythonVersion(): string | null {
  try {
    return execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

const python = pythonVersion();

describe.skipIf(!python)(`latchkey_client (Python) with ${python ?? 'no python3: skipped'}`, () => {
  let sandbox: ServedSandbox;
  let credentialId: string;

  beforeAll(async () => {
    sandbox = await startServedSandbox();
    credentialId = await sandbox.activeCredential('Shop for Python');
  }, 30_000);
  afterAll(() => sandbox?.stop());

  it('passes its unittest suite against the server, none of it skipped', async () => {
    const result = await run('python3', ['-m', 'unittest', 'discover', '-s', 'clients/python/tests', '-v'], {
      env: {
        PATH: process.env.PATH ?? '',
        PYTHONDONTWRITEBYTECODE: '1',
        LATCHKEY_URL: sandbox.url,
        LATCHKEY_API_KEY: sandbox.apiKey,
        LATCHKEY_TEST_CREDENTIAL_ID: credentialId,
      },
      timeout: 60_000,
    }).then(
      ({ stderr }) => ({ code: 0, output: stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        output: `${err.stdout}${err.stderr}`,
      }),
    );
    expect(result.output).toMatch(/^OK$/m);
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toContain('skipped');
    expect(result.output).toMatch(/test_get_token_\w+ .* \.\.\. ok/);
    expect(result.output).toMatch(/test_request_goes_through_the_proxy_to_the_api .* \.\.\. ok/);
    expect(result.output).toMatch(/test_list_credentials_\w+ .* \.\.\. ok/);
    expect(result.output).toMatch(/test_errors_carry_the_server_code_and_status .* \.\.\. ok/);
  });
});
