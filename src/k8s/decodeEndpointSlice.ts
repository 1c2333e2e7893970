import { parseIp, specialIpProblem } from '../util/ip.js';
import type { RawObject } from '../input/rawObject.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { FieldReader } from './fieldReader.js';
import { ENDPOINT_SLICE, reportUnknownFields } from './objectSchema.js';
import { dns1123Label, dns1123Subdomain, labelValue } from './names.js';
import { objectLabel, readMeta } from './decodeService.js';
import { PROTOCOLS, SERVICE_NAME_LABEL, unwatchedLabel, type EndpointSlice, type SliceEndpoint, type SlicePort } from './types.js';
import { quickEndpointSlice } from './quickEndpointSlice.js';

export { SERVICE_NAME_LABEL };

/** Validates a raw discovery.k8s.io/v1 EndpointSlice (the fast path first, the checked reader for the rest). */
export function decodeEndpointSlice(raw: RawObject): { slice?: EndpointSlice; diagnostics: Diagnostic[] } {
  const quick = quickEndpointSlice(raw);
  return quick ? { diagnostics: [], slice: quick } : decodeEndpointSliceChecked(raw);
}

/** The checked reader: every problem becomes a located diagnostic. */
export function decodeEndpointSliceChecked(raw: RawObject): { slice?: EndpointSlice; diagnostics: Diagnostic[] } {
  const r = new FieldReader(raw, objectLabel(raw, 'EndpointSlice'));
  reportUnknownFields(r, raw.value, ENDPOINT_SLICE, 'an EndpointSlice');
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
  const seenNames = new Set<string>();
  r.list(['ports']).forEach((_, i) => {
    if (!r.requiredMapping(['ports', i])) return;
    const p = r.at(['ports', i]);
    const pname = p.string(['name']);
    if (pname) {
      const why = dns1123Label(pname);
      if (why) p.report('KPC012', ['name'], `${JSON.stringify(pname)} ${why}`);
    }
    // A name of the wrong type is already an error; absent or null is the defaulted "".
    if (pname !== undefined || p.get(['name']) == null) {
      const n = pname ?? '';
      if (seenNames.has(n)) p.report('KPC019', ['name'], n ? `duplicate port name ${JSON.stringify(n)}` : 'a second port without a name (each port of a slice needs its own name)');
      seenNames.add(n);
    }
    const protocol = p.oneOf(['protocol'], PROTOCOLS, 'TCP', 'KPC016');
    const port = p.port(['port'], false, true);
    // Tolerated by the API server, skipped by kube-proxy: the slice's endpoints get no rules for it.
    if (port === 0 || (port === undefined && p.get(['port']) == null)) {
      p.report('KPC032', ['port'], `${port === 0 ? 'is 0' : 'is not set (meaning all ports)'}: kube-proxy ignores such a port, so this slice's endpoints get no rules for it`);
    }
    ports.push({ name: pname ?? '', protocol, port: port ?? null });
  });

  const endpoints: SliceEndpoint[] = [];
  r.list(['endpoints']).forEach((_, i) => {
    if (!r.requiredMapping(['endpoints', i])) return;
    const e = r.at(['endpoints', i]);
    const addresses: string[] = [];
    const list = e.list(['addresses']);
    if (e.listsNothing(['addresses'])) e.report('KPC011', ['addresses'], 'must hold at least one address');
    list.forEach((_, j) => {
      const a = e.string(['addresses', j], true);
      if (a === undefined) return;
      if (addressType !== 'FQDN') {
        const ip = parseIp(a);
        if (!ip) { e.report('KPC013', ['addresses', j], `must be a valid IP address, found ${JSON.stringify(a)}`); return; }
        if ((ip.family === 4) !== (addressType === 'IPv4')) { e.report('KPC020', ['addresses', j], `${a} is not an ${addressType} address, as addressType requires`); return; }
        const special = specialIpProblem(ip);
        if (special) e.report('KPC033', ['addresses', j], `${a} ${special}: the API server would reject this, kube-proxy uses it as given`);
      }
      addresses.push(a);
    });
    const ready = e.boolean(['conditions', 'ready']);
    const serving = e.boolean(['conditions', 'serving']);
    const terminating = e.boolean(['conditions', 'terminating']);
    const nodeName = e.string(['nodeName']);
    if (nodeName !== undefined) {
      const why = dns1123Subdomain(nodeName);
      if (why) e.report('KPC012', ['nodeName'], `${JSON.stringify(nodeName)} ${why}`);
    }
    const zone = e.string(['zone']);
    // Not used by kube-proxy (DNS reads it), but a name the API server refuses is said.
    const hostname = e.string(['hostname']);
    if (hostname !== undefined) {
      const why = dns1123Label(hostname);
      if (why) e.report('KPC033', ['hostname'], `${JSON.stringify(hostname)} ${why}: the API server would reject this; kube-proxy does not read the field`);
    }
    const zoneHints: string[] = [];
    e.list(['hints', 'forZones']).forEach((_, k) => {
      const z = e.string(['hints', 'forZones', k, 'name'], true);
      if (z !== undefined) zoneHints.push(z);
    });
    const nodeHints: string[] = [];
    e.list(['hints', 'forNodes']).forEach((_, k) => {
      const n = e.string(['hints', 'forNodes', k, 'name'], true);
      if (n !== undefined) nodeHints.push(n);
    });
    endpoints.push({ addresses, ready, serving, terminating, nodeName, zone, zoneHints, nodeHints });
  });

  if (name === undefined || hasErrors(r.diagnostics)) return { diagnostics: r.diagnostics };
  const unwatchedBy = unwatchedLabel(r.get(['metadata', 'labels']));
  return { diagnostics: r.diagnostics, slice: { namespace, name, serviceName, addressType, ports, endpoints, origin: raw.file, ...(unwatchedBy ? { unwatchedBy } : {}) } };
}
