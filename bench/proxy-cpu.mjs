// CPU per proxied request: the process CPU time (user + system, from /proc) that the proxy spends per
// request, against the bare pass-through's, with the instant upstream. This is what decides the throughput
// ratio of bench/proxy.mjs when the servers share a CPU, measured without the load generator's own noise.
// Rounds are interleaved and the median reported. Linux only (reads /proc/<pid>/stat).
//   node bench/proxy-cpu.mjs [--full]
import fs from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import { median } from './lib/load.mjs';
import { pinning } from './lib/processes.mjs';
import { startProxyTargets } from './lib/proxy-targets.mjs';
import { writeResult } from './lib/report.mjs';

const full = process.argv.includes('--full');
const rounds = full ? 7 : 3;
const requests = full ? 100_000 : 30_000;
const connections = 50;

if (!fs.existsSync('/proc/self/stat')) {
  process.stdout.write('proxy-cpu: skipped (needs /proc to read process CPU time)\n');
  process.exit(0);
}
const ticksPerSecond = 100; // USER_HZ on Linux
/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Jiffies of the servers' CPUs (1…n-1, where processes.mjs pins them): [softirq, total]. */
function serverCpuJiffies() {
  let softirq = 0;
  let total = 0;
  for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m || Number(m[1]) === 0) continue;
    const v = m[2].trim().split(/\s+/).map(Number);
    softirq += v[6];
    total += v.reduce((a, b) => a + b, 0);
  }
  return [softirq, total];
}

const { upstreamPid, targets: all, stop } = await startProxyTargets(0);
const targets = { bare: all.bare, proxy: all.proxy };
const samples = { bare: [], proxy: [], upstreamBehindBare: [], upstreamBehindProxy: [] };
const softirqShare = [];
try {
  for (const t of Object.values(targets)) await autocannon({ ...t, connections, amount: 10_000 });
  for (let r = 0; r < rounds; r++) {
    for (const [name, t] of Object.entries(targets)) {
      const before = cpuSeconds(t.pid);
      const upBefore = cpuSeconds(upstreamPid);
      const [irqBefore, allBefore] = serverCpuJiffies();
      const a = await autocannon({ url: t.url, headers: t.headers, connections, amount: requests });
      if (a.errors || a.non2xx) throw new Error(`${name}: ${a.errors} errors, ${a.non2xx} non-2xx`);
      const n = a.requests.total;
      const [irqAfter, allAfter] = serverCpuJiffies();
      softirqShare.push((irqAfter - irqBefore) / Math.max(1, allAfter - allBefore));
      samples[name].push(((cpuSeconds(t.pid) - before) / n) * 1e6);
      const upName = name === 'bare' ? 'upstreamBehindBare' : 'upstreamBehindProxy';
      samples[upName].push(((cpuSeconds(upstreamPid) - upBefore) / n) * 1e6);
    }
  }
} finally {
  await stop();
}
const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
const ratio = m.proxy / m.bare;
// Where all three share one CPU, throughput is one over the CPU of a request's whole path.
const predicted = (m.bare + m.upstreamBehindBare) / (m.proxy + m.upstreamBehindProxy);
let md = `Proxy CPU per request (${full ? 'full' : 'short'}: ${rounds} interleaved rounds × ${requests} requests, ${connections} connections; median) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${pinning}\n\n`;
md += '| process | CPU µs per request | rounds |\n|---|---|---|\n';
for (const [k, v] of Object.entries(samples))
  md += `| ${k} | ${m[k].toFixed(1)} | ${v.map((x) => x.toFixed(0)).join(' ')} |\n`;
const softirq = median(softirqShare);
md += `\nproxy ÷ bare CPU per request: ${ratio.toFixed(2)}×; bare ÷ proxy CPU of the whole path (proxy + upstream), the throughput ratio this predicts on one shared CPU: ${predicted.toFixed(2)}×; the servers' CPUs spent ${(softirq * 100).toFixed(0)} % in kernel networking (softirq, charged to no process)\n`;
process.stdout.write(md);
writeResult('proxy-cpu', {
  full,
  rounds,
  requests,
  samples,
  medians: m,
  ratio,
  predicted,
  softirq,
  markdown: md,
});
