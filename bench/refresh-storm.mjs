// Refresh storm: 1,000 concurrent callers of one expired token, spread over 3 server processes on one
// PostgreSQL database. The provider (the sandbox, in its own process) counts its refresh-token grants: it
// must be exactly 1 per expiry. Reports that count and the time until every caller had a valid token.
//   node bench/refresh-storm.mjs [--full]
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { seed, startLatchkeys } from './lib/latchkey.mjs';
import { createDatabase } from './lib/postgres.mjs';
import { freePort, pinning, startPrinting } from './lib/processes.mjs';
import { writeResult } from './lib/report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { approveInBrowser } = await import(path.join(root, 'dist/src/sandbox/browser.js'));
const { sandboxConnector } = await import(path.join(root, 'dist/src/sandbox/index.js'));

const full = process.argv.includes('--full');
const rounds = full ? 5 : 2;
const callers = 1000;
const ttlS = 4;

const pgdb = await createDatabase();
if (!pgdb.available) {
  process.stdout.write(`Refresh storm: skipped — ${pgdb.reason}\n`);
  process.exit(0);
}
const sandbox = await startPrinting([
  path.join(root, 'dist/src/cli/main.js'),
  'sandbox',
  '--port',
  String(await freePort()),
  '--controls',
]);
const issuer = sandbox.value;
const seeded = await seed({
  apiBaseUrl: `${issuer}/api/v1`,
  databaseUrl: pgdb.url,
  credentials: 0,
  connector: { ...sandboxConnector(issuer), id: 'storm' },
});
const servers = await startLatchkeys(seeded.env, 3, { LATCHKEY_PROVIDER_TIMEOUT_MS: '5000' });
const publicUrl = servers[0].url;
const dispatcher = new Agent({ connections: 2000, pipelining: 1 });
const auth = { authorization: `Bearer ${seeded.apiKey}`, 'content-type': 'application/json' };
const api = async (base, p, init = {}) => {
  const res = await fetch(`${base}${p}`, {
    ...init,
    headers: { ...auth, ...(init.headers ?? {}) },
    dispatcher,
  });
  return { status: res.status, body: await res.json() };
};
const control = (p, init) => fetch(`${issuer}/_control/${p}`, init).then((r) => r.json());

const results = [];
try {
  // Register an app with short-lived tokens and authorize a credential through the sandbox's pages.
  const reg = await fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'storm',
      redirect_uris: [`${publicUrl}/oauth/callback`],
      access_token_ttl_s: ttlS,
    }),
  }).then((r) => r.json());
  const created = await api(servers[1].url, '/api/v1/credentials', {
    method: 'POST',
    body: JSON.stringify({
      connector: 'storm',
      name: 'storm',
      clientId: reg.client_id,
      clientSecret: reg.client_secret,
    }),
  });
  const id = created.body.id;
  const start = await api(servers[1].url, `/api/v1/credentials/${id}/authorize`, {
    method: 'POST',
    body: '{}',
  });
  const callback = await approveInBrowser(start.body.authorizationUrl, {
    email: 'demo@sandbox.2ememain.test',
    password: 'demo',
    decision: 'authorize',
  });
  const done = await fetch(callback, { headers: { accept: 'application/json' } }).then((r) => r.json());
  if (done.result !== 'authorized') throw new Error(`authorization failed: ${JSON.stringify(done)}`);

  for (let r = 0; r < rounds; r++) {
    await new Promise((res) => setTimeout(res, ttlS * 1000 + 300)); // the token is now expired
    await control('reset', { method: 'POST' });
    const t0 = performance.now();
    const answers = await Promise.all(
      Array.from({ length: callers }, (_, i) =>
        api(servers[i % 3].url, `/api/v1/credentials/${id}/token`).then((a) => ({
          ...a,
          at: performance.now() - t0,
        })),
      ),
    );
    const stats = await control('stats');
    const ok = answers.filter((a) => a.status === 200);
    results.push({
      round: r + 1,
      refreshes: stats.refreshes,
      tokenRequests: stats.tokenRequests.total,
      served: ok.length,
      distinctTokens: new Set(ok.map((a) => a.body.accessToken)).size,
      allServedMs: Math.max(...answers.map((a) => a.at)),
      errors: answers.length - ok.length,
    });
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  await sandbox.stop();
  await dispatcher.close();
  seeded.cleanup();
  await pgdb.drop();
}

let md = `Refresh storm (${full ? 'full' : 'short'}: ${rounds} expiries × ${callers} concurrent callers over 3 processes on PostgreSQL) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${pinning}\n\n`;
md +=
  '| expiry | provider refreshes | token-endpoint calls | callers served | distinct tokens | time until all served |\n|---|---|---|---|---|---|\n';
for (const r of results)
  md += `| ${r.round} | ${r.refreshes} | ${r.tokenRequests} | ${r.served}/${callers} | ${r.distinctTokens} | ${r.allServedMs.toFixed(0)} ms |\n`;
process.stdout.write(md);
writeResult('refresh-storm', { full, results, markdown: md });
if (results.some((r) => r.refreshes !== 1 || r.errors > 0)) process.exitCode = 1;
