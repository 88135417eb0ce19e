/**
 * Every shell command shown in README.md and docs/*.md is run here against a real server (started like
 * `npm start`: SQLite, the sandbox), in a throw-away data folder. A block that cannot run here carries the
 * comment `<!-- docs-test: skip — reason -->` on the line before its fence; the reasons are printed.
 * `http://127.0.0.1:3000` in a command is replaced by the test server's address; `$LATCHKEY_API_KEY`,
 * `$LATCHKEY_URL` and `$CREDENTIAL_ID` (an authorized sandbox credential) are set; `curl` fails on HTTP errors.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveInBrowser } from '../src/sandbox/browser.js';
import { DEMO } from './helpers/sandbox.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

interface Block {
  file: string;
  line: number;
  code: string;
  skip: string | null;
}

function blocks(file: string): Block[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```(sh|bash|shell)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const indent = /^\s*/.exec(lines[i]!)![0].length;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(indent));
    let prev = start - 1;
    while (prev >= 0 && lines[prev]!.trim() === '') prev--;
    const m = prev >= 0 ? /<!--\s*docs-test:\s*skip\s*[—-]\s*(.+?)\s*-->/.exec(lines[prev]!) : null;
    out.push({
      file: path.relative(process.cwd(), file),
      line: start + 1,
      code: body.join('\n'),
      skip: m ? m[1]! : null,
    });
  }
  return out;
}

const FILES = [
  'README.md',
  ...fs
    .readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f)),
  ...(fs.existsSync('clients/python/README.md') ? ['clients/python/README.md'] : []),
  ...(fs.existsSync('sdk/README.md') ? ['sdk/README.md'] : []),
];
const ALL = FILES.flatMap((f) => blocks(path.resolve(f)));
const KEY = 'lk_docs_test_key_0123456789abcdef';

describe('commands shown in the docs', () => {
  let server: ServerProcess;
  let dir: string;
  let env: Record<string, string>;
  let credentialId = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-docs-'));
    const serverEnv = {
      LATCHKEY_SANDBOX: '1',
      LATCHKEY_DATA_DIR: dir,
      LATCHKEY_DATABASE_URL: `sqlite:${dir}/latchkey.db`,
      LATCHKEY_BOOTSTRAP_API_KEY: KEY,
    };
    server = await startServerProcess(serverEnv);
    // An authorized sandbox credential for the examples.
    const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
    const reg = (await (
      await fetch(`${server.url}/sandbox/2ememain/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'docs', redirect_uris: [`${server.url}/oauth/callback`] }),
      })
    ).json()) as { client_id: string; client_secret: string };
    const created = (await (
      await fetch(`${server.url}/api/v1/credentials`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          connector: '2ememain-sandbox',
          name: 'docs',
          clientId: reg.client_id,
          clientSecret: reg.client_secret,
        }),
      })
    ).json()) as { id: string };
    credentialId = created.id;
    const start = (await (
      await fetch(`${server.url}/api/v1/credentials/${credentialId}/authorize`, {
        method: 'POST',
        headers: auth,
        body: '{}',
      })
    ).json()) as {
      authorizationUrl: string;
    };
    await fetch(await approveInBrowser(start.authorizationUrl, { ...DEMO, decision: 'authorize' }), {
      headers: { accept: 'application/json' },
    });
    // curl that fails on HTTP errors, first on the PATH.
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'curl'),
      '#!/bin/sh\nexec /usr/bin/curl --fail-with-body --silent --show-error "$@"\n',
      { mode: 0o755 },
    );
    env = {
      ...serverEnv,
      PATH: `${bin}:${process.env.PATH}`,
      HOME: dir,
      LATCHKEY_URL: server.url,
      LATCHKEY_API_KEY: KEY,
      CREDENTIAL_ID: credentialId,
      LOG_LEVEL: 'warn',
    };
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds the shell blocks of every document', () => {
    expect(ALL.length).toBeGreaterThan(5);
    const skipped = ALL.filter((b) => b.skip);
    process.stdout.write(
      `docs: ${ALL.length - skipped.length} blocks run, ${skipped.length} not run here:\n`,
    );
    for (const b of skipped) process.stdout.write(`  ${b.file}:${b.line} — ${b.skip}\n`);
  });

  for (const b of ALL.filter((x) => !x.skip)) {
    it(`runs ${b.file}:${b.line}`, async () => {
      const code = b.code.replaceAll('http://127.0.0.1:3000', server.url);
      const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', code], {
          cwd: process.cwd(),
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
        child.on('close', (c) => {
          clearTimeout(timer);
          resolve({ code: c, out });
        });
      });
      expect(result.code, `${b.file}:${b.line}\n$ ${code}\n${result.out}`).toBe(0);
    }, 60_000);
  }
});
