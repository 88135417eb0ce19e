// The three ways to reach one upstream that the proxy benchmarks compare: direct, through the bare
// pass-through (the floor for any Node proxy) and through Latchkey's proxy; each with its server's pid.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seed, startLatchkeys } from './latchkey.mjs';
import { freePort, startPrinting } from './processes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Start an upstream answering after `delayMs`, the bare pass-through and a seeded Latchkey in front of it. */
export async function startProxyTargets(delayMs) {
  const upstream = await startPrinting([
    path.join(here, 'upstream.mjs'),
    String(await freePort()),
    String(delayMs),
  ]);
  const upstreamUrl = `http://127.0.0.1:${upstream.value}`;
  const bare = await startPrinting([
    path.join(here, 'passthrough.mjs'),
    String(await freePort()),
    upstreamUrl,
  ]);
  const seeded = await seed({ apiBaseUrl: `${upstreamUrl}/v1` });
  const [server] = await startLatchkeys(seeded.env);
  const id = seeded.credentialIds[0];
  return {
    upstreamPid: upstream.child.pid,
    targets: {
      direct: {
        pid: upstream.child.pid,
        url: `${upstreamUrl}/v1/advertisements?limit=1`,
        headers: { authorization: 'Bearer bench-token' },
      },
      bare: {
        pid: bare.child.pid,
        url: `http://127.0.0.1:${bare.value}/x/advertisements?limit=1`,
        headers: {},
      },
      proxy: {
        pid: server.child.pid,
        url: `${server.url}/api/v1/proxy/${id}/advertisements?limit=1`,
        headers: { authorization: `Bearer ${seeded.apiKey}` },
      },
    },
    async stop() {
      await Promise.all([upstream.stop(), bare.stop(), server.stop()]);
      seeded.cleanup();
    },
  };
}
