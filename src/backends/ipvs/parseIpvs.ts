import { diag, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { Ipset, IpsetType, IpvsProtocol, RealServer, VirtualServer } from '../../ir/ipvs.js';
import { IPSET_DEFS } from './ipsetDefs.js';
import { IPVS_SCHEDULERS } from '../../settings/nodeSettings.js';
import { parseCidr, parseIp } from '../../util/ip.js';
import { own } from '../../util/own.js';

function splitHostPort(text: string): { address: string; port: number } | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([0-9.]+):(\d{1,5})$/.exec(text);
  if (!m || !parseIp(m[1]) || Number(m[2]) > 65535) return undefined;
  return { address: m[1], port: Number(m[2]) };
}

/** The set types `ipset` has. */
const IPSET_TYPES: ReadonlySet<string> = new Set([
  'bitmap:ip', 'bitmap:ip,mac', 'bitmap:port', 'hash:ip', 'hash:mac', 'hash:ip,mac', 'hash:net', 'hash:net,net', 'hash:ip,port',
  'hash:net,port', 'hash:ip,port,ip', 'hash:ip,port,net', 'hash:ip,mark', 'hash:net,port,net', 'hash:net,iface', 'list:set',
]);

const isPort = (t: string) => /^\d{1,5}$/.test(t) && Number(t) <= 65535;
const isProtoPort = (t: string) => { const m = /^(tcp|udp|sctp):(\d+)$/.exec(t); return m !== null && isPort(m[2]); };
const isNet = (t: string) => (t.includes('/') ? parseCidr(t) !== undefined : parseIp(t) !== undefined);

/** Why an entry cannot be a member of a set of `type` (for the types kube-proxy uses), if it cannot. */
function entryProblem(type: string, entry: string): string | undefined {
  const parts = entry.split(',');
  const shapes: Record<string, readonly ((t: string) => boolean)[]> = {
    'hash:ip': [(t) => parseIp(t) !== undefined],
    'hash:ip,port': [(t) => parseIp(t) !== undefined, isProtoPort],
    'hash:ip,port,ip': [(t) => parseIp(t) !== undefined, isProtoPort, (t) => parseIp(t) !== undefined],
    'hash:ip,port,net': [(t) => parseIp(t) !== undefined, isProtoPort, isNet],
    'hash:net': [isNet],
    'bitmap:port': [isPort],
  };
  const shape = own(shapes, type);
  if (!shape) return undefined;
  return parts.length === shape.length && shape.every((ok, k) => ok(parts[k])) ? undefined : `${JSON.stringify(entry)} is not an entry of a ${type} set`;
}

const PROTO_FLAGS: Record<string, IpvsProtocol> = { '-t': 'TCP', '--tcp-service': 'TCP', '-u': 'UDP', '--udp-service': 'UDP', '--sctp-service': 'SCTP' };

/** Parses `ipvsadm -Sn` output back into virtual servers (numeric form only). */
export function parseIpvsadm(text: string, file: string): { servers?: VirtualServer[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const servers: { vs: Omit<VirtualServer, 'realServers'>; rs: RealServer[] }[] = [];
  const byKey = new Map<string, { vs: Omit<VirtualServer, 'realServers'>; rs: RealServer[] }>();
  // Virtual servers whose -A line was refused, as written (protocol flag, address): their real
  // server lines are not reported again, each as "before its virtual server".
  const refused = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const at = { file, line: i + 1 };
    const t = line.split(/\s+/);
    const proto = own(PROTO_FLAGS, t[1] ?? '');
    const written = `${proto ?? t[1]} ${t[2] ?? ''}`;
    if (t[0] === '-a' && refused.has(written)) return;
    const refuse = (message: string): void => {
      diagnostics.push(diag('KPC052', message, at));
      if (t[0] === '-A') refused.add(written);
    };
    const hp = t[2] ? splitHostPort(t[2]) : undefined;
    if ((t[0] !== '-A' && t[0] !== '-a') || !proto) { refuse(`not an ipvsadm -Sn line: ${JSON.stringify(line.slice(0, 80))}`); return; }
    if (!hp) { refuse(`${JSON.stringify(t[2] ?? '')} is not an address:port (a valid IP and a port up to 65535)`); return; }
    const key = `${proto}/${hp.address}/${hp.port}`;
    const opts = new Map<string, string>();
    for (let j = 3; j < t.length; j++) {
      if (t[j] === '-m' || t[j] === '-g' || t[j] === '-i') { opts.set('fwd', t[j]); continue; }
      if (j + 1 >= t.length) { refuse(`option ${t[j]} needs a value`); return; }
      opts.set(t[j], t[++j]);
    }
    if (t[0] === '-A') {
      const scheduler = opts.get('-s');
      if (scheduler !== undefined && !IPVS_SCHEDULERS.includes(scheduler)) { refuse(`scheduler ${JSON.stringify(scheduler)} is not one IPVS has (${IPVS_SCHEDULERS.join(', ')})`); return; }
      const persistence = opts.get('-p');
      if (persistence !== undefined && !/^\d{1,9}$/.test(persistence)) { refuse(`persistence timeout must be a number of seconds, found ${JSON.stringify(persistence)}`); return; }
      const entry = { vs: { protocol: proto, address: hp.address, port: hp.port, scheduler: opts.get('-s') ?? 'wlc', persistence: Number(opts.get('-p') ?? 0), sourceHash: (opts.get('-b') ?? '').split(',').some((f) => f === 'mh-port' || f === 'sh-port' || f === 'flag-2') }, rs: [] };
      servers.push(entry);
      byKey.set(key, entry);
    } else {
      const owner = byKey.get(key);
      const r = opts.get('-r') ? splitHostPort(opts.get('-r')!) : undefined;
      if (opts.has('-r') && !r) { diagnostics.push(diag('KPC052', `real server ${JSON.stringify(opts.get('-r'))} is not an address:port (a valid IP and a port up to 65535)`, at)); return; }
      if (!owner || !r) { diagnostics.push(diag('KPC052', owner ? 'real server line without -r ip:port' : 'real server before its virtual server', at)); return; }
      const w = opts.get('-w') ?? '1';
      // ipvsadm takes weights 0 to 65535.
      if (!/^\d{1,5}$/.test(w) || Number(w) > 65535) { diagnostics.push(diag('KPC052', `real server weight must be a number from 0 to 65535, found ${JSON.stringify(w)}`, at)); return; }
      const fwd = opts.get('fwd') as '-m' | '-g' | '-i' | undefined;
      owner.rs.push({ address: r.address, port: r.port, weight: Number(w), ...(fwd && fwd !== '-m' ? { forwarding: fwd } : {}) });
    }
  });
  return diagnostics.length ? { diagnostics } : { servers: servers.map((s) => ({ ...s.vs, realServers: s.rs })), diagnostics };
}

/** Parses `ipset save` output (create and add lines) back into sets; unknown sets keep their type. */
export function parseIpset(text: string, file: string): { sets?: Ipset[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const sets = new Map<string, { name: string; type: IpsetType; family: 'inet' | 'inet6'; comment: string; entries: string[] }>();
  // Sets whose create line was refused: their add lines are not reported again, each as "before its create line".
  const refused = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const at = { file, line: i + 1 };
    const t = line.split(/\s+/);
    if (t[0] === 'add' && t.length >= 3 && refused.has(t[1])) return;
    if (t[0] === 'create' && t.length >= 3) {
      const fam = t.indexOf('family');
      const base = t[1].replace(/^KUBE-6-/, 'KUBE-');
      if (!IPSET_TYPES.has(t[2])) { diagnostics.push(diag('KPC052', `set type ${JSON.stringify(t[2])} is not one ipset has`, at)); refused.add(t[1]); return; }
      const comment = IPSET_DEFS.find(([k]) => k.startsWith(base) || base.startsWith(k))?.[2] ?? '';
      sets.set(t[1], { name: t[1], type: t[2] as IpsetType, family: fam >= 0 && t[fam + 1] === 'inet6' ? 'inet6' : 'inet', comment, entries: [] });
    } else if (t[0] === 'add' && t.length >= 3) {
      const s = sets.get(t[1]);
      const problem = s && entryProblem(s.type, t[2]);
      if (!s) diagnostics.push(diag('KPC052', `add to set ${t[1]} before its create line`, at));
      else if (problem) diagnostics.push(diag('KPC052', problem, at));
      else s.entries.push(t[2]);
    } else {
      diagnostics.push(diag('KPC052', `not an ipset save line: ${JSON.stringify(line.slice(0, 80))}`, at));
      if (t[0] === 'create' && t[1] !== undefined) refused.add(t[1]);
    }
  });
  return diagnostics.length ? { diagnostics } : { sets: [...sets.values()], diagnostics };
}
