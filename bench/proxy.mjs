// Proxy overhead: requests through Latchkey's proxy vs (a) a bare Node.js keep-alive pass-through that only
// adds a header — the floor for any Node proxy — and (b) straight to the upstream; once with an instant
// upstream and once with a 20 ms one (like a real API). Rounds are interleaved and the median is reported,
// because this machine is noisy: compare the ratios, not the absolute figures.
//   node bench/proxy.mjs [--full] [--json FILE]
import os from 'node:os';
import { load, summarise } from './lib/load.mjs';
import { pinning } from './lib/processes.mjs';
import { startProxyTargets } from './lib/proxy-targets.mjs';
import { writeResult } from './lib/report.mjs';

const full = process.argv.includes('--full');
const rounds = full ? 5 : 2;
const duration = full ? 10 : 3;
const connections = 50;

async function scenario(delayMs) {
  const { targets, stop } = await startProxyTargets(delayMs);
  const runs = { direct: [], bare: [], proxy: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [name, t] of Object.entries(targets)) {
        runs[name].push(
          await load(t.url, { connections, duration, headers: t.headers, warmup: r === 0 ? 2 : 1 }),
        );
      }
    }
  } finally {
    await stop();
  }
  const s = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, summarise(v)]));
  return {
    delayMs,
    ...s,
    ratios: {
      proxyVsBareThroughput: s.proxy.rps / s.bare.rps,
      proxyVsDirectThroughput: s.proxy.rps / s.direct.rps,
      p50OverheadMs: s.proxy.p50 - s.direct.p50,
      p99OverheadMs: s.proxy.p99 - s.direct.p99,
    },
  };
}

const results = [];
for (const delayMs of [0, 20]) results.push(await scenario(delayMs));

const fmt = (n, d = 0) => n.toFixed(d);
let md = `Proxy benchmark (${full ? 'full' : 'short'}: ${rounds} interleaved rounds × ${duration} s, ${connections} connections; median) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${pinning}\n\n`;
md += '| upstream | target | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n';
for (const r of results)
  for (const t of ['direct', 'bare', 'proxy'])
    md += `| ${r.delayMs} ms | ${t} | ${fmt(r[t].rps)} | ${fmt(r[t].p50, 1)} | ${fmt(r[t].p99, 1)} | ${r[t].errors} |\n`;
md +=
  '\n| upstream | proxy ÷ bare throughput | proxy ÷ direct throughput | p50 overhead | p99 overhead |\n|---|---|---|---|---|\n';
for (const r of results) {
  md += `| ${r.delayMs} ms | ${fmt(r.ratios.proxyVsBareThroughput, 2)}× | ${fmt(r.ratios.proxyVsDirectThroughput, 2)}× | ${fmt(r.ratios.p50OverheadMs, 1)} ms | ${fmt(r.ratios.p99OverheadMs, 1)} ms |\n`;
}
process.stdout.write(md);
writeResult('proxy', { full, results, markdown: md });
