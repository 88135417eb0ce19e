/**
 * `latchkey credentials …` against a real server process with the sandbox: JSON and human output, the exit
 * codes scripts rely on, the client secret kept out of argv and output, and profiles from the config file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './helpers/cli.js';
import { DEMO } from './helpers/sandbox.js';
import { startServedSandbox, type ServedSandbox } from './helpers/served-sandbox.js';
import { approveInBrowser } from './sandbox/browser-client.js';

/** Run the compiled CLI with only `env` (plus PATH), `input` on its stdin. */
const cli = (args: string[], env: Record<string, string>, input?: string): Promise<CliResult> =>
  runCli(args, env, 20_000, input);

describe('latchkey credentials against a running server', () => {
  let sandbox: ServedSandbox;
  let env: Record<string, string>;
  let app: { clientId: string; clientSecret: string };

  const create = (name: string, extra: string[] = []) =>
    cli(
      [
        'credentials',
        'create',
        '--connector',
        '2ememain-sandbox',
        '--name',
        name,
        '--client-id',
        app.clientId,
        '--client-secret-stdin',
        ...extra,
      ],
      env,
      `${app.clientSecret}\n`,
    );

  beforeAll(async () => {
    sandbox = await startServedSandbox();
    // No config file of the machine's user is read: LATCHKEY_CONFIG points into the test's folder.
    env = {
      LATCHKEY_URL: sandbox.url,
      LATCHKEY_API_KEY: sandbox.apiKey,
      LATCHKEY_CONFIG: path.join(sandbox.dir, 'none.json'),
    };
    app = await sandbox.registerApp();
  }, 30_000);
  afterAll(() => sandbox?.stop());

  it('creates a credential from a secret on stdin, authorizes, shows, refreshes, tests and revokes it', async () => {
    const created = await create('CLI shop', ['--json', '--scope', 'read profile']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const credential = JSON.parse(created.stdout);
    expect(credential).toMatchObject({
      connector: '2ememain-sandbox',
      name: 'CLI shop',
      clientId: app.clientId,
      clientSecretSet: true,
      scope: 'read profile',
      status: 'pending_authorization',
    });
    expect(credential.id).toMatch(/^cred_/);
    const id = credential.id as string;

    const authorize = await cli(['credentials', 'authorize', id], env);
    expect(authorize.code).toBe(0);
    const url = authorize.stdout.trim();
    expect(authorize.stdout).toBe(`${url}\n`);
    expect(url.startsWith(`${sandbox.url}/sandbox/2ememain/oauth/authorize?`)).toBe(true);
    const callback = await approveInBrowser(url, { ...DEMO, decision: 'authorize' });
    expect((await fetch(callback, { headers: { accept: 'application/json' } })).ok).toBe(true);

    const show = await cli(['credentials', 'show', id], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`^ID\\s+${id}$`, 'm'));
    expect(show.stdout).toMatch(/^Status\s+active$/m);
    expect(show.stdout).toMatch(/^Client secret\s+set$/m);
    expect(show.stdout).toMatch(/^Granted scope\s+read profile$/m);
    expect(show.stdout).toMatch(new RegExp(`^Redirect URI\\s+${sandbox.url}/oauth/callback$`, 'm'));
    const shown = JSON.parse((await cli(['credentials', 'show', id, '--json'], env)).stdout);
    expect(shown).toMatchObject({ id, status: 'active', grantedScope: 'read profile' });

    const refresh = await cli(['credentials', 'refresh', id], env);
    expect(refresh.code).toBe(0);
    expect(refresh.stdout).toMatch(new RegExp(`^refreshed ${id}: token valid until \\d{4}-\\d\\d-\\d\\dT`));
    const refreshed = JSON.parse((await cli(['credentials', 'refresh', id, '--json'], env)).stdout);
    expect(refreshed.lastRefreshedAt).not.toBeNull();

    const test = await cli(['credentials', 'test', id], env);
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/^ok: HTTP 200 in \d+ ms — /);
    const tested = JSON.parse((await cli(['credentials', 'test', id, '--json'], env)).stdout);
    expect(tested).toMatchObject({ ok: true, status: 200, credential: { id } });

    const revoke = await cli(['credentials', 'revoke', id], env);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toMatch(new RegExp(`^revoked ${id}: tokens wiped; at the provider: revoked`));
    expect(JSON.parse((await cli(['credentials', 'show', id, '--json'], env)).stdout).status).toBe('revoked');
    const revokedTest = await cli(['credentials', 'test', id], env);
    expect(revokedTest.code).toBe(1);
    expect(revokedTest.stdout).toMatch(/^failed: .* — /);

    // The secret crossed stdin only: in no output, and the server never shows it.
    for (const out of [created, authorize, show, refresh, test, revoke])
      expect(out.stdout + out.stderr).not.toContain(app.clientSecret);
    expect(JSON.stringify(shown)).not.toContain(app.clientSecret);
  });

  it('lists credentials as a table or JSON, filtered', async () => {
    const made = JSON.parse((await create('Listed shop', ['--json'])).stdout);
    const table = await cli(['credentials', 'list'], env);
    expect(table.code).toBe(0);
    const [header, rule, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+CONNECTOR\s+STATUS\s+TOKEN EXPIRES\s+LAST ERROR$/);
    expect(rule).toMatch(/^-+( +-+)+$/);
    expect(rows.find((r) => r.startsWith(made.id))).toMatch(
      /Listed shop\s+2ememain-sandbox\s+pending_authorization\s+-\s+-$/,
    );

    const json = JSON.parse((await cli(['credentials', 'list', '--json'], env)).stdout);
    expect(json.nextCursor).toBeNull();
    expect(json.items.map((c: { id: string }) => c.id)).toContain(made.id);
    const pending = JSON.parse(
      (await cli(['credentials', 'list', '--status', 'pending_authorization', '--json'], env)).stdout,
    );
    expect(pending.items.length).toBeGreaterThan(0);
    expect(pending.items.every((c: { status: string }) => c.status === 'pending_authorization')).toBe(true);
    const none = await cli(['credentials', 'list', '--connector', '2ememain'], env);
    expect(none.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('creates with a human summary, and deletes only with --yes when not on a terminal', async () => {
    const created = await create('Short-lived shop');
    expect(created.code).toBe(0);
    const id = /^created (cred_\w+) \(Short-lived shop\), status pending_authorization$/m.exec(
      created.stdout,
    )?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toContain(
      `redirect URI to register at the provider: ${sandbox.url}/oauth/callback`,
    );
    expect(created.stdout).toContain(`next: latchkey credentials authorize ${id}`);

    const unconfirmed = await cli(['credentials', 'delete', id!], env);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');
    expect((await cli(['credentials', 'show', id!], env)).code).toBe(0);

    const deleted = await cli(['credentials', 'delete', id!, '--yes', '--json'], env);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ id, deleted: true });
    const gone = await cli(['credentials', 'show', id!], env);
    expect(gone.code).toBe(4);
    expect(gone.stderr).toBe('latchkey credentials: not_found: credential not found\n');
  });

  it('never takes the client secret as an argument', async () => {
    const secret = 'a-secret-typed-in-the-wrong-place';
    const base = [
      'credentials',
      'create',
      '--connector',
      '2ememain-sandbox',
      '--name',
      'x',
      '--client-id',
      'y',
    ];
    const attempts = [
      [...base, '--client-secret', secret],
      [...base, `--client-secret=${secret}`],
      [...base, secret],
    ];
    for (const res of await Promise.all(attempts.map((args) => cli(args, env)))) {
      expect(res.code).toBe(2);
      expect(res.stdout + res.stderr).not.toContain(secret);
    }
    // Not on a terminal and no --client-secret-stdin: nothing to ask on.
    const noTerminal = await cli(base, env);
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain('--client-secret-stdin');
    const empty = await cli([...base, '--client-secret-stdin'], env, '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('standard input was empty');
  });

  it('answers with exit codes scripts can rely on', async () => {
    const [missing, missingJson, badKey, noKey, down, invalid] = await Promise.all([
      cli(['credentials', 'show', 'cred_nope'], env),
      cli(['credentials', 'refresh', 'cred_nope', '--json'], env),
      cli(['credentials', 'list'], { ...env, LATCHKEY_API_KEY: 'lk_wrong_key_0123456789' }),
      cli(['credentials', 'list'], { ...env, LATCHKEY_API_KEY: '' }),
      cli(['credentials', 'list'], { ...env, LATCHKEY_URL: 'http://127.0.0.1:9' }),
      cli(['credentials', 'list', '--status', 'sleeping'], env),
    ]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toBe('latchkey credentials: not_found: credential not found\n');
    expect(missingJson.code).toBe(4);

    expect(badKey.code).toBe(5);
    expect(badKey.stderr.trim().split('\n')).toHaveLength(1);
    expect(badKey.stderr).toContain('unauthorized');
    expect(noKey.code).toBe(5);
    expect(noKey.stderr).toContain('set LATCHKEY_API_KEY');

    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot reach Latchkey at http://127.0.0.1:9');

    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('validation_failed');

    const usage = [
      ['credentials'],
      ['credentials', 'frobnicate'],
      ['credentials', 'show'],
      ['credentials', 'show', 'a', 'b'],
      ['credentials', 'list', '--frob'],
      ['credentials', 'create', '--name', 'x'],
      ['credentials', 'list', '--profile'],
    ];
    const codes = await Promise.all(usage.map(async (args) => [args.join(' '), (await cli(args, env)).code]));
    expect(codes).toEqual(usage.map((args) => [args.join(' '), 2]));
    const badUrl = await cli(['credentials', 'list'], { ...env, LATCHKEY_URL: 'ftp://x' });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('not an http(s) URL: ftp://x (from LATCHKEY_URL)');
  });

  it('documents every command and the exit codes in --help', async () => {
    const help = await cli(['credentials', '--help'], {});
    expect(help.code).toBe(0);
    for (const sub of ['list', 'show', 'create', 'authorize', 'refresh', 'revoke', 'test', 'delete'])
      expect(help.stdout).toMatch(new RegExp(`^  ${sub}\\b`, 'm'));
    expect(help.stdout).toContain('--client-secret-stdin');
    for (const res of await Promise.all(
      ['show', 'create', 'delete'].map((sub) => cli(['credentials', sub, '--help'], {})),
    )) {
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('Usage: latchkey credentials <command>');
    }
    const main = await cli(['--help'], {});
    expect(main.stdout).toContain('credentials list|show|create|authorize|refresh|revoke|test|delete');
    for (const line of [/^ {2}0 {2}success/m, /^ {2}2 {2}usage/m, /^ {2}3 {2}Latchkey unreachable/m])
      expect(main.stdout).toMatch(line);
    expect(main.stdout).toMatch(/^ {2}4 {2}not found/m);
    expect(main.stdout).toMatch(/^ {2}5 {2}authentication/m);
    expect((await cli(['sources', '--help'], {})).stdout).toContain('--profile NAME');
  });

  it('reads the server and key from the config file, or one of its profiles', async () => {
    const file = path.join(sandbox.dir, 'config.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        url: 'http://127.0.0.1:9',
        apiKey: 'lk_wrong_key_0123456789',
        profiles: { local: { url: sandbox.url, apiKey: sandbox.apiKey } },
      }),
      { mode: 0o600 },
    );
    const fileOnly = { LATCHKEY_CONFIG: file };
    const [viaProfile, globalFirst, afterCommand, fromEnv, sources, topLevel, envUrl, envBoth] =
      await Promise.all([
        cli(['credentials', 'list', '--json', '--profile', 'local'], fileOnly),
        cli(['--profile=local', 'credentials', 'list'], fileOnly),
        cli(['credentials', '--profile=local', 'list'], fileOnly),
        cli(['credentials', 'list'], { ...fileOnly, LATCHKEY_PROFILE: 'local' }),
        cli(['sources', 'list', '--profile', 'local'], fileOnly),
        // Without a profile: the environment first, then the file's top level (here an unreachable server).
        cli(['credentials', 'list'], fileOnly),
        cli(['credentials', 'list'], { ...fileOnly, LATCHKEY_URL: sandbox.url }),
        cli(['credentials', 'list'], { ...env, LATCHKEY_CONFIG: file }),
      ]);
    expect(viaProfile.code).toBe(0);
    expect(viaProfile.stderr).toBe('');
    expect(JSON.parse(viaProfile.stdout).items.length).toBeGreaterThan(0);
    expect(globalFirst.code).toBe(2);
    expect(afterCommand.code).toBe(0);
    expect(fromEnv.code).toBe(0);
    expect(sources.code).toBe(0);
    expect(topLevel.code).toBe(3);
    expect(envUrl.code).toBe(5);
    expect(envBoth.code).toBe(0);

    const unknown = await cli(['credentials', 'list', '--profile', 'prod'], fileOnly);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no profile "prod"');
    expect(unknown.stderr).toContain('(profiles: local)');

    fs.chmodSync(file, 0o644);
    const exposed = await cli(['credentials', 'list', '--profile', 'local'], fileOnly);
    expect(exposed.code).toBe(0);
    expect(exposed.stderr).toContain(`is readable by others: chmod 600 ${file}`);

    fs.writeFileSync(file, '{"url": "http://x", "apikey": "typo"}');
    const typo = await cli(['credentials', 'list'], fileOnly);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('apikey');
  });
});
