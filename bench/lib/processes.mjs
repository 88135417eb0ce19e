// Child processes for benchmarks: start, read the port they print, stop.
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';

/**
 * CPU pinning, so that the load generator and the servers under test do not steal each other's cycles:
 * the benchmark process (the load generator) runs on CPU 0, every server on the other CPUs. Needs taskset
 * (util-linux) and at least two CPUs; otherwise nothing is pinned and the report says so.
 */
const cpus = os.cpus().length;
let hasTaskset = false;
try {
  execFileSync('taskset', ['-V'], { stdio: 'ignore' });
  hasTaskset = cpus >= 2;
} catch {
  hasTaskset = false;
}
export const pinning = hasTaskset
  ? `load generator on CPU 0, servers on CPU 1-${cpus - 1}`
  : 'no CPU pinning';
if (hasTaskset) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });

function nodeArgs(args) {
  return hasTaskset
    ? { cmd: 'taskset', argv: ['-c', `1-${cpus - 1}`, process.execPath, ...args] }
    : { cmd: process.execPath, argv: args };
}

export function startPrinting(args, env = {}) {
  const { cmd, argv } = nodeArgs(args);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ child, value: line.trim(), stop: () => stop(child) });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

export function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitHealthy(url, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become healthy`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function startServer(cli, env) {
  const { cmd, argv } = nodeArgs([cli, 'start']);
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
  });
  return { child, stop: () => stop(child) };
}
