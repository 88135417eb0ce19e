// A minimal, fast OAuth token endpoint for scale runs: answers every refresh-token grant with new tokens
// (rotation) and counts them. Not a faithful provider — the sandbox is that — just a fast one.
import { randomBytes } from 'node:crypto';
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const expiresIn = Number(process.argv[3] ?? 3600);
let refreshes = 0;

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    if (req.url === '/stats')
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ refreshes }));
    const form = new URLSearchParams(body);
    if (req.method !== 'POST' || form.get('grant_type') !== 'refresh_token') {
      return res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"error":"unsupported_grant_type"}');
    }
    refreshes++;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(
      JSON.stringify({
        access_token: randomBytes(24).toString('base64url'),
        token_type: 'bearer',
        expires_in: expiresIn,
        refresh_token: randomBytes(24).toString('base64url'),
      }),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
