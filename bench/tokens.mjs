// Token hand-out: GET /api/v1/credentials/:id/token with a warm cache (authenticated, audited) vs GET /healthz
// (no authentication, no database) as the floor, on the embedded SQLite default and on PostgreSQL.
// Rounds are interleaved and medians reported; compare the ratios, not the absolute figures.
//   node bench/tokens.mjs [--full]
import os from 'node:os';
import { load, summarise } from './lib/load.mjs';
import { seed, startLatchkeys } from './lib/latchkey.mjs';
import { createDatabase } from './lib/postgres.mjs';
import { pinning } from './lib/processes.mjs';
import { writeResult } from './lib/report.mjs';

const full = process.argv.includes('--full');
const rounds = full ? 5 : 2;
const duration = full ? 10 : 3;
const connections = 50;

async function measure(label, databaseUrl) {
  const seeded = await seed({ apiBaseUrl: 'http://127.0.0.1:9/v1', databaseUrl });
  const [server] = await startLatchkeys(seeded.env);
  const id = seeded.credentialIds[0];
  const auth = { authorization: `Bearer ${seeded.apiKey}` };
  const runs = { healthz: [], token: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      runs.healthz.push(
        await load(`${server.url}/healthz`, { connections, duration, warmup: r === 0 ? 2 : 1 }),
      );
      runs.token.push(
        await load(`${server.url}/api/v1/credentials/${id}/token`, {
          connections,
          duration,
          headers: auth,
          warmup: r === 0 ? 2 : 1,
        }),
      );
    }
  } finally {
    await server.stop();
    seeded.cleanup();
  }
  const healthz = summarise(runs.healthz);
  const token = summarise(runs.token);
  return { label, healthz, token, ratio: token.rps / healthz.rps };
}

const results = [await measure('SQLite (embedded)')];
const pgdb = await createDatabase();
if (pgdb.available) {
  try {
    results.push(await measure('PostgreSQL', pgdb.url));
  } finally {
    await pgdb.drop();
  }
}

const f = (n, d = 0) => n.toFixed(d);
let md = `Token hand-out (${full ? 'full' : 'short'}: ${rounds} interleaved rounds × ${duration} s, ${connections} connections; median) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${pinning}${pgdb.available ? '' : `; ${pgdb.reason}`}\n\n`;
md +=
  '| database | route | req/s | p50 ms | p99 ms | errors | token ÷ healthz |\n|---|---|---|---|---|---|---|\n';
for (const r of results) {
  md += `| ${r.label} | /healthz | ${f(r.healthz.rps)} | ${f(r.healthz.p50, 1)} | ${f(r.healthz.p99, 1)} | ${r.healthz.errors} | |\n`;
  md += `| ${r.label} | …/token | ${f(r.token.rps)} | ${f(r.token.p50, 1)} | ${f(r.token.p99, 1)} | ${r.token.errors} | ${f(r.ratio, 2)}× |\n`;
}
process.stdout.write(md);
writeResult('tokens', { full, results, markdown: md });
