import { parseCidr, parseIp } from '../util/ip.js';
import type { RawObject } from '../input/rawObject.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { FieldReader } from './fieldReader.js';
import { dns1123Subdomain } from './names.js';
import { NODE, reportUnknownFields } from './objectSchema.js';
import type { NodeObject } from './types.js';

/** Reads the parts of a Node kube-proxy uses: labels, InternalIP addresses and pod CIDRs. */
export function decodeNode(raw: RawObject): { node?: NodeObject; diagnostics: Diagnostic[] } {
  const r = new FieldReader(raw, 'Node');
  const name = r.string(['metadata', 'name'], true);
  if (name !== undefined) {
    r.object = `Node ${JSON.stringify(name).slice(1, -1)}`;
    const why = dns1123Subdomain(name);
    if (why) r.report('KPC012', ['metadata', 'name'], `${JSON.stringify(name)} ${why}`);
  }
  reportUnknownFields(r, raw.value, NODE, 'a Node');
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.mapping(['metadata', 'labels']) ?? {})) {
    if (typeof v === 'string') labels[k] = v;
    else r.report('KPC010', ['metadata', 'labels', k], 'must be a string');
  }
  const internalIPs: string[] = [];
  const externalIPs: string[] = [];
  r.list(['status', 'addresses']).forEach((_, i) => {
    const type = r.string(['status', 'addresses', i, 'type']);
    const address = r.string(['status', 'addresses', i, 'address']);
    if (type === 'InternalIP' && address !== undefined) {
      if (!parseIp(address)) r.report('KPC013', ['status', 'addresses', i, 'address'], `must be a valid IP address, found ${JSON.stringify(address)}`);
      else internalIPs.push(address);
    } else if (type === 'ExternalIP' && address !== undefined && parseIp(address)) {
      // kube-proxy passes over an external address it cannot parse.
      externalIPs.push(address);
    }
  });
  // As kube-proxy takes them (GetNodeHostIPs): the first internal address (else external), then
  // the first address of the other family among the internal ones and then the external ones.
  const all = [...internalIPs, ...externalIPs];
  const hostIPs = all.length ? [all[0]] : [];
  const other = all.find((ip) => ip.includes(':') !== all[0].includes(':'));
  if (other !== undefined) hostIPs.push(other);
  const podCIDRs: string[] = [];
  const cidrs = r.list(['spec', 'podCIDRs']);
  const list = cidrs.length ? cidrs.map((_, i) => ['spec', 'podCIDRs', i] as const) : r.get(['spec', 'podCIDR']) ? [['spec', 'podCIDR'] as const] : [];
  for (const path of list) {
    const v = r.string(path);
    if (v === undefined) continue;
    if (!parseCidr(v)) r.report('KPC014', path, `must be a CIDR, found ${JSON.stringify(v)}`);
    else podCIDRs.push(v);
  }
  if (name === undefined || hasErrors(r.diagnostics)) return { diagnostics: r.diagnostics };
  return { diagnostics: r.diagnostics, node: { name, labels, hostIPs, podCIDRs } };
}
