import { parseIp } from '../../util/ip.js';

/** Numeric address order (IPv4 before IPv6), as ipvsadm and `ipset save -sorted` list addresses. */
export function compareIps(a: string, b: string): number {
  const x = parseIp(a);
  const y = parseIp(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  if (x.family !== y.family) return x.family - y.family;
  for (let i = 0; i < x.bytes.length; i++) if (x.bytes[i] !== y.bytes[i]) return x.bytes[i] - y.bytes[i];
  return 0;
}
