import { parseIp } from '../util/ip.js';
import type { RawObject } from '../input/rawObject.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { FieldReader } from './fieldReader.js';
import { dns1123Label, dns1123Subdomain, labelValue } from './names.js';
import { objectLabel, readMeta } from './decodeService.js';
import { PROTOCOLS, type EndpointSlice, type SliceEndpoint, type SlicePort } from './types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Validates a raw discovery.k8s.io/v1 EndpointSlice. */
export function decodeEndpointSlice(raw: RawObject): { slice?: EndpointSlice; diagnostics: Diagnostic[] } {
  const r = new FieldReader(raw, objectLabel(raw, 'EndpointSlice'));
  const { namespace, name } = readMeta(r, dns1123Subdomain);
  const addressType = r.oneOf(['addressType'], ['IPv4', 'IPv6', 'FQDN'] as const, 'IPv4');
  if (r.get(['addressType']) === undefined) r.report('KPC011', ['addressType'], 'is required (IPv4, IPv6 or FQDN)');
  r.mapping(['metadata', 'labels']);
  const serviceName = r.string(['metadata', 'labels', SERVICE_NAME_LABEL]) ?? '';
  if (serviceName) {
    const why = labelValue(serviceName);
    if (why) r.report('KPC012', ['metadata', 'labels', SERVICE_NAME_LABEL], `${JSON.stringify(serviceName)} ${why}`);
  }

  const ports: SlicePort[] = [];
  r.list(['ports']).forEach((_, i) => {
    const base = ['ports', i];
    if (!r.mapping(base)) { r.report('KPC010', base, 'must be a mapping'); return; }
    const pname = r.string([...base, 'name']);
    if (pname) {
      const why = dns1123Label(pname);
      if (why) r.report('KPC012', [...base, 'name'], `${JSON.stringify(pname)} ${why}`);
    }
    const protocol = r.oneOf([...base, 'protocol'], PROTOCOLS, 'TCP', 'KPC016');
    const port = r.port([...base, 'port'], false, true);
    ports.push({ name: pname ?? null, protocol, port: port ?? null });
  });

  const endpoints: SliceEndpoint[] = [];
  r.list(['endpoints']).forEach((_, i) => {
    const base = ['endpoints', i];
    if (!r.mapping(base)) { r.report('KPC010', base, 'must be a mapping'); return; }
    const addresses: string[] = [];
    const list = r.list([...base, 'addresses']);
    if (list.length === 0) r.report('KPC011', [...base, 'addresses'], 'must hold at least one address');
    list.forEach((_, j) => {
      const a = r.string([...base, 'addresses', j], true);
      if (a === undefined) return;
      if (addressType !== 'FQDN') {
        const ip = parseIp(a);
        if (!ip) { r.report('KPC013', [...base, 'addresses', j], `must be a valid IP address, found ${JSON.stringify(a)}`); return; }
        if ((ip.family === 4) !== (addressType === 'IPv4')) { r.report('KPC020', [...base, 'addresses', j], `${a} is not an ${addressType} address, as addressType requires`); return; }
      }
      addresses.push(a);
    });
    const ready = r.boolean([...base, 'conditions', 'ready']);
    const serving = r.boolean([...base, 'conditions', 'serving']);
    const terminating = r.boolean([...base, 'conditions', 'terminating']);
    const nodeName = r.string([...base, 'nodeName']);
    if (nodeName !== undefined) {
      const why = dns1123Subdomain(nodeName);
      if (why) r.report('KPC012', [...base, 'nodeName'], `${JSON.stringify(nodeName)} ${why}`);
    }
    const zone = r.string([...base, 'zone']);
    const zoneHints: string[] = [];
    r.list([...base, 'hints', 'forZones']).forEach((_, k) => {
      const z = r.string([...base, 'hints', 'forZones', k, 'name'], true);
      if (z !== undefined) zoneHints.push(z);
    });
    endpoints.push({ addresses, ready, serving, terminating, nodeName, zone, zoneHints });
  });

  if (name === undefined || hasErrors(r.diagnostics)) return { diagnostics: r.diagnostics };
  return { diagnostics: r.diagnostics, slice: { namespace, name, serviceName, addressType, ports, endpoints, origin: raw.file } };
}
