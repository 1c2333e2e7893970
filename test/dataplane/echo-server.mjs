// Echo server for data-plane tests, run inside a network namespace.
// Usage: node echo-server.mjs <label> <tcpPorts,comma,separated|-> <udpPorts|-> <maxLifetimeMs>
// Every TCP connection and every UDP datagram is answered with "<label> <remoteAddress>\n"
// (TCP then closes). Prints "READY" on stdout once every socket is bound. Exits when stdin
// closes (the harness went away) or after maxLifetimeMs, whichever comes first.
import net from 'node:net';
import dgram from 'node:dgram';

const [label, tcpArg, udpArg, lifetimeArg] = process.argv.slice(2);
const ports = (arg) => (!arg || arg === '-' ? [] : arg.split(',').map(Number));
const tcpPorts = ports(tcpArg);
const udpPorts = ports(udpArg);
const lifetimeMs = Number(lifetimeArg) || 600_000;

// A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; tests want the plain address.
const plain = (address) => (address.startsWith('::ffff:') ? address.slice(7) : address);

function listenTcp(port, host) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.end(`${label} ${plain(socket.remoteAddress ?? '?')}\n`);
    });
    server.once('error', reject);
    server.listen({ port, host, ipv6Only: false }, () => resolve(server));
  });
}

function listenUdp(port, host) {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(host === '::' ? { type: 'udp6', ipv6Only: false } : 'udp4');
    socket.on('message', (_msg, rinfo) => {
      socket.send(`${label} ${plain(rinfo.address)}\n`, rinfo.port, rinfo.address);
    });
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.removeListener('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

// Prefer one dual-stack socket per port; fall back to IPv4 only if the kernel has no IPv6.
async function listenAll(host) {
  await Promise.all([...tcpPorts.map((p) => listenTcp(p, host)), ...udpPorts.map((p) => listenUdp(p, host))]);
}

try {
  try {
    await listenAll('::');
  } catch (err) {
    if (err.code !== 'EAFNOSUPPORT' && err.code !== 'EADDRNOTAVAIL') throw err;
    await listenAll('0.0.0.0');
  }
} catch (err) {
  process.stderr.write(`echo-server ${label}: ${err.message}\n`);
  process.exit(1);
}

process.stdout.write('READY\n');
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(0), lifetimeMs).unref();
