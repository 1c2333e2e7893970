import type { IpsetType } from '../../ir/ipvs.js';
import { compareIps } from './ipOrder.js';
import { own } from '../../util/own.js';

const PROTO: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };

/** Splits `ip,proto:port[,ip2|net]` into comparable parts. */
function parts(e: string): [string, number, number, string] {
  const [ip, pp = '', third = ''] = e.split(',');
  const [proto = '', port = '0'] = pp.split(':');
  return [ip, own(PROTO, proto) ?? 0, Number(port), third];
}

/** Members in the order `ipset save -sorted` prints them: address, protocol number, port, then the third part. */
export function sortEntries(type: IpsetType, entries: string[]): string[] {
  if (type === 'bitmap:port') return entries.sort((a, b) => Number(a) - Number(b));
  if (type === 'hash:ip') return entries.sort(compareIps);
  return entries.sort((a, b) => {
    const x = parts(a);
    const y = parts(b);
    return compareIps(x[0], y[0]) || x[1] - y[1] || x[2] - y[2] || compareIps(x[3].split('/')[0], y[3].split('/')[0]) || Number(x[3].split('/')[1] ?? 0) - Number(y[3].split('/')[1] ?? 0);
  });
}
