// Node's tls as an echo server, the baseline the TLS bulk benchmarks and
// tests compare Kiln with: every byte a client sends comes back, until the
// client's close_notify.  node node-tls-echo.mjs PORT ADDRESS CHAIN.pem KEY.pem
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';

const [port, address, chain, key] = process.argv.slice(2);
const server = createServer({ cert: readFileSync(chain), key: readFileSync(key), minVersion: 'TLSv1.3', allowHalfOpen: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
});
server.listen(Number(port), address, () => console.log(`node-tls-echo: on ${address}:${port}`));
