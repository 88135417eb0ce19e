// The floor for any Node.js proxy: a keep-alive pass-through that only adds an Authorization header,
// streaming both ways on an undici pool. No routing, no authentication, no token lookup.
import http from 'node:http';
import { Pool } from 'undici';

const port = Number(process.argv[2] ?? 0);
const upstream = process.argv[3];
const pool = new Pool(upstream, { connections: 128, keepAliveTimeout: 60_000 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'authorization']);

const server = http.createServer(async (req, res) => {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) headers[k] = v;
  headers.authorization = 'Bearer bench-token';
  try {
    const up = await pool.request({
      path: '/v1' + req.url.replace(/^\/[^/]+/, ''),
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
    });
    const out = {};
    for (const [k, v] of Object.entries(up.headers)) if (!HOP.has(k)) out[k] = v;
    res.writeHead(up.statusCode, out);
    up.body.pipe(res);
  } catch {
    res.writeHead(502).end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
