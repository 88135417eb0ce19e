// A stand-in for a provider's API: answers every request with a small JSON body after `delayMs`.
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const delayMs = Number(process.argv[3] ?? 0);
const body = JSON.stringify({
  _embedded: {
    'mp:advertisement': [
      { itemId: 'm1', title: 'Fiets', priceModel: { modality: 'fixed', askingPrice: 12000 } },
    ],
  },
});

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const reply = () =>
      res
        .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        .end(body);
    if (delayMs > 0) setTimeout(reply, delayMs);
    else reply();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
