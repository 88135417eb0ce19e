// Scale: N credentials in PostgreSQL (10,000 short, 100,000 with --full) whose tokens fall due over a window.
// Two server processes run the proactive refresher against a fast token endpoint. Reports whether every due
// token was renewed before it expired, the refresher's lag, the servers' memory over time, and list/get
// latency at that size vs /healthz.
//   node bench/scale.mjs [--full]
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { load, summarise } from './lib/load.mjs';
import { benchConnector, seed, startLatchkeys } from './lib/latchkey.mjs';
import { createDatabase } from './lib/postgres.mjs';
import { freePort, pinning, startPrinting } from './lib/processes.mjs';
import { writeResult } from './lib/report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist/src', p));
const full = process.argv.includes('--full');
const N = full ? 100_000 : 10_000;
const windowS = full ? 300 : 60;
const aheadS = 300;

const pgdb = await createDatabase();
if (!pgdb.available) {
  process.stdout.write(`Scale: skipped — ${pgdb.reason}\n`);
  process.exit(0);
}
const stub = await startPrinting([
  path.join(root, 'bench/lib/token-stub.mjs'),
  String(await freePort()),
  '3600',
]);
const stubUrl = `http://127.0.0.1:${stub.value}`;
const connector = benchConnector('scale', 'http://127.0.0.1:9/v1', stubUrl);
const seeded = await seed({
  apiBaseUrl: 'http://127.0.0.1:9/v1',
  databaseUrl: pgdb.url,
  credentials: 0,
  connector,
});

// Seed N credentials straight into the table (sealed exactly as the service seals them).
const { loadConfig } = await dist('config/index.js');
const { createContext } = await dist('context.js');
const { createLogger } = await dist('logging/index.js');
const { aadFor } = await dist('vault/index.js');
const { newId } = await dist('db/index.js');
const ctx = await createContext(loadConfig(seeded.env), { log: createLogger('warn', process.stderr) });
const seedStart = Date.now();
const now = Date.now();
for (let i = 0; i < N; i += 1000) {
  const rows = [];
  for (let j = i; j < Math.min(N, i + 1000); j++) {
    const id = newId('cred');
    const due = now + 15_000 + Math.floor((j / N) * windowS * 1000); // spread over the window, first in 15 s
    const expires = due + aheadS * 1000;
    rows.push({
      id,
      workspace_id: ctx.defaultWorkspaceId,
      connector: 'scale',
      name: `scale ${j}`,
      description: null,
      client_id: 'scale-client',
      client_secret_sealed: ctx.vault.seal('scale-secret', aadFor(id, 'client_secret')),
      scope: null,
      status: 'active',
      access_token_sealed: ctx.vault.seal(randomBytes(24).toString('base64url'), aadFor(id, 'access_token')),
      refresh_token_sealed: ctx.vault.seal(
        randomBytes(24).toString('base64url'),
        aadFor(id, 'refresh_token'),
      ),
      token_type: 'bearer',
      granted_scope: null,
      access_token_expires_at: expires,
      // Issued before the run, with a lifetime long enough that the ahead time (not half the life) decides.
      access_token_issued_at: now - 1000,
      refresh_due_at: due,
      last_refreshed_at: now - 1000,
      last_used_at: null,
      last_error_code: null,
      last_error_message: null,
      last_error_at: null,
      last_test_ok: null,
      last_test_status: null,
      last_test_at: null,
      token_version: 1,
      refresh_failures: 0,
      next_refresh_attempt_at: null,
      lease_owner: null,
      lease_until: null,
      lease_fence: 0,
      created_by: null,
      created_at: now,
      updated_at: now,
    });
  }
  await ctx.db.kysely.insertInto('credentials').values(rows).execute();
}
await ctx.close();
const seedMs = Date.now() - seedStart;

const servers = await startLatchkeys(seeded.env, 2, {
  LATCHKEY_REFRESHER: '1',
  LATCHKEY_REFRESH_AHEAD_S: String(aheadS),
});
const db = new pg.Client({ connectionString: pgdb.url });
await db.connect();
const rssMb = (pid) => {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
};

const samples = [];
let expiredSeen = 0;
const started = Date.now();
const horizon = started + (windowS + 25) * 1000;
while (Date.now() < horizon) {
  const t = Date.now();
  const r = await db.query(
    `select count(*) filter (where access_token_expires_at < $1) as expired,
            count(*) filter (where last_refreshed_at > $2) as refreshed,
            count(*) filter (where refresh_due_at < $1) as overdue
       from credentials where status = 'active'`,
    [t, now],
  );
  const row = r.rows[0];
  expiredSeen = Math.max(expiredSeen, Number(row.expired));
  samples.push({
    s: Math.round((t - started) / 1000),
    refreshed: Number(row.refreshed),
    overdue: Number(row.overdue),
    rss: servers.map((s) => rssMb(s.child.pid)),
  });
  if (Number(row.refreshed) === N) break;
  await new Promise((res) => setTimeout(res, 2000));
}
const final = samples[samples.length - 1];
const lag = await fetch(`${servers[0].url}/metrics`).then((r) => r.text());
const stubStats = await fetch(`${stubUrl}/stats`).then((r) => r.json());

// List and get latency at this size.
const auth = { authorization: `Bearer ${seeded.apiKey}` };
const someId = (
  await db.query('select id from credentials order by id limit 1 offset $1', [Math.floor(N / 2)])
).rows[0].id;
const deepCursor = (await db.query('select id from credentials order by id limit 1 offset 50')).rows[0].id;
const lat = { healthz: [], list: [], deep: [], get: [] };
for (let r = 0; r < 2; r++) {
  lat.healthz.push(await load(`${servers[0].url}/healthz`, { connections: 20, duration: 3 }));
  lat.list.push(
    await load(`${servers[0].url}/api/v1/credentials?limit=50`, {
      connections: 20,
      duration: 3,
      headers: auth,
    }),
  );
  lat.deep.push(
    await load(`${servers[0].url}/api/v1/credentials?limit=50&cursor=${deepCursor}`, {
      connections: 20,
      duration: 3,
      headers: auth,
    }),
  );
  lat.get.push(
    await load(`${servers[0].url}/api/v1/credentials/${someId}`, {
      connections: 20,
      duration: 3,
      headers: auth,
    }),
  );
}
await db.end();
await Promise.all(servers.map((s) => s.stop()));
await stub.stop();
seeded.cleanup();
await pgdb.drop();

const L = Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, summarise(v)]));
const lagCount = Number(/latchkey_refresher_lag_seconds_count (\d+)/.exec(lag)?.[1] ?? 0);
const lagSum = Number(/latchkey_refresher_lag_seconds_sum ([\d.e+-]+)/.exec(lag)?.[1] ?? 0);
const rssStart = samples[0].rss;
const rssPeak = servers.map((_, i) => Math.max(...samples.map((x) => x.rss[i] ?? 0)));
const f = (n, d = 0) => (n === null || n === undefined ? '-' : n.toFixed(d));
let md = `Scale (${full ? 'full' : 'short'}: ${N.toLocaleString('en')} credentials on PostgreSQL, due over ${windowS} s, 2 server processes) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${pinning}\n\n`;
md += `- seeded in ${(seedMs / 1000).toFixed(1)} s; refreshed ${final.refreshed.toLocaleString('en')} of ${N.toLocaleString('en')} (provider grants: ${stubStats.refreshes.toLocaleString('en')}) in ${final.s} s\n`;
md += `- tokens seen expired while active: ${expiredSeen} (must be 0); due but not yet renewed at the end: ${final.overdue}\n`;
md += `- refresher lag (claim − due), mean over process 1's claims: ${lagCount ? (lagSum / lagCount).toFixed(2) : '-'} s\n`;
md += `- server memory (RSS): start ${rssStart.map((x) => f(x)).join(' / ')} MB, peak ${rssPeak.map((x) => f(x)).join(' / ')} MB, end ${final.rss.map((x) => f(x)).join(' / ')} MB\n\n`;
md += '| request | req/s | p50 ms | p99 ms | ÷ healthz throughput |\n|---|---|---|---|---|\n';
for (const [k, label] of [
  ['healthz', 'GET /healthz'],
  ['list', 'GET /api/v1/credentials?limit=50'],
  ['deep', 'the same, a later page (cursor)'],
  ['get', 'GET /api/v1/credentials/:id'],
]) {
  md += `| ${label} | ${f(L[k].rps)} | ${f(L[k].p50, 1)} | ${f(L[k].p99, 1)} | ${k === 'healthz' ? '' : `${f(L[k].rps / L.healthz.rps, 2)}×`} |\n`;
}
process.stdout.write(md);
writeResult('scale', {
  full,
  N,
  windowS,
  seedMs,
  samples,
  expiredSeen,
  stubRefreshes: stubStats.refreshes,
  latency: L,
  markdown: md,
});
if (expiredSeen > 0 || final.refreshed !== N) process.exitCode = 1;
