import type { Ipset, IpvsState, VirtualServer } from '../../ir/ipvs.js';
import { renderRestore } from '../iptables/renderRestore.js';

function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function serviceArgs(vs: VirtualServer): string {
  const flag = vs.protocol === 'TCP' ? '-t' : vs.protocol === 'UDP' ? '-u' : '--sctp-service';
  return `${flag} ${endpoint(vs.address, vs.port)}`;
}

/** What `ipvsadm -Sn` (ipvsadm-save -n) prints for these virtual servers, in ipvsadm's order. */
export function renderIpvsadm(state: IpvsState): string {
  const lines: string[] = [];
  for (const vs of state.virtualServers) {
    let head = `-A ${serviceArgs(vs)} -s ${vs.scheduler}`;
    if (vs.persistence > 0) head += ` -p ${vs.persistence}`;
    // kube-proxy's source-hash flag is scheduler flag 2: ipvsadm names it after the scheduler.
    if (vs.sourceHash) head += ` -b ${vs.scheduler === 'sh' ? 'sh-port' : vs.scheduler === 'mh' ? 'mh-port' : 'flag-2'}`;
    lines.push(head);
    for (const rs of vs.realServers) lines.push(`-a ${serviceArgs(vs)} -r ${endpoint(rs.address, rs.port)} ${rs.forwarding ?? '-m'} -w ${rs.weight}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function createLine(s: Ipset): string {
  return s.type === 'bitmap:port' ? `create ${s.name} bitmap:port range 0-65535` : `create ${s.name} ${s.type} family ${s.family} hashsize 1024 maxelem 65536`;
}

/**
 * The sets as `ipset save -sorted` prints them, without the per-boot `bucketsize`/`initval` values
 * (loadable with `ipset restore`).
 */
export function renderIpset(state: IpvsState): string {
  const lines: string[] = [];
  for (const s of state.ipsets) {
    lines.push(createLine(s));
    for (const e of s.entries) lines.push(`add ${s.name} ${e}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderAddresses(state: IpvsState): string {
  return state.addresses.length ? `${state.addresses.join('\n')}\n` : '';
}

/** All four parts, each under a `#` header line (comments to ipset, iptables-restore and the shell). */
export function renderIpvsAll(state: IpvsState): string {
  return [
    `# ipvsadm -Sn\n${renderIpvsadm(state)}`,
    `# ipset save\n${renderIpset(state)}`,
    `# iptables-restore\n${renderRestore(state.iptables)}`,
    `# kube-ipvs0 addresses\n${renderAddresses(state)}`,
  ].join('');
}

/** One of the IPVS formats by name: all, ipvsadm, ipset, restore, addresses. */
export function renderIpvsFormat(state: IpvsState, format: string): string {
  switch (format) {
    case 'ipvsadm': return renderIpvsadm(state);
    case 'ipset': return renderIpset(state);
    case 'restore': return renderRestore(state.iptables);
    case 'addresses': return renderAddresses(state);
    default: return renderIpvsAll(state);
  }
}
