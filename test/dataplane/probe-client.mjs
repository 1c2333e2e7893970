// Probe client for data-plane tests, run inside a network namespace.
// Usage: node probe-client.mjs '<json>' where json is
//   { proto: 'tcp'|'udp', host, port, count, timeoutMs, source? }
// Sends `count` requests one after another, each from a fresh socket (so each is a new conntrack
// entry and gets its own load-balancing decision), and prints one JSON line per request:
//   {"ok":true,"reply":"pod1 10.244.1.1","ms":3}  or  {"ok":false,"error":"refused","code":"ECONNREFUSED","ms":1}
import net from 'node:net';
import dgram from 'node:dgram';

const { proto, host, port, count, timeoutMs, source } = JSON.parse(process.argv[2]);

// Errors are classified so that tests can tell REJECT (refused) from DROP (timeout).
function classify(code) {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    case 'ECONNRESET':
      return 'reset';
    case 'EPERM':
    case 'EACCES':
      return 'denied';
    default:
      return 'error';
  }
}

function tcpOnce() {
  return new Promise((resolve) => {
    const started = Date.now();
    let data = '';
    let done = false;
    const socket = net.connect({ host, port, localAddress: source });
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout', code: 'ETIMEDOUT' }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (data += chunk));
    socket.on('end', () =>
      finish(data ? { ok: true, reply: data.trim() } : { ok: false, error: 'no-reply', code: 'EOF' }),
    );
    socket.on('error', (err) => finish({ ok: false, error: classify(err.code), code: err.code ?? 'UNKNOWN' }));
  });
}

function udpOnce() {
  return new Promise((resolve) => {
    const started = Date.now();
    let done = false;
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve({ ...result, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout', code: 'ETIMEDOUT' }), timeoutMs);
    // A connected UDP socket receives ICMP errors, which is how REJECT shows up for UDP.
    socket.on('error', (err) => finish({ ok: false, error: classify(err.code), code: err.code ?? 'UNKNOWN' }));
    socket.on('message', (msg) => finish({ ok: true, reply: msg.toString('utf8').trim() }));
    socket.bind({ port: 0, address: source }, () => {
      socket.connect(port, host, (err) => {
        if (err) return finish({ ok: false, error: classify(err.code), code: err.code ?? 'UNKNOWN' });
        socket.send('probe\n');
      });
    });
  });
}

const once = proto === 'udp' ? udpOnce : tcpOnce;
for (let i = 0; i < count; i++) process.stdout.write(JSON.stringify(await once()) + '\n');
