import { isCanonicalIPv4, mayBeSpecialIPv4, parseIp, specialIpProblem } from '../util/ip.js';
import { ENDPOINT_SLICE, hasUnknownFields } from './objectSchema.js';
import type { RawObject } from '../input/rawObject.js';
import { dns1123Label, dns1123Subdomain, labelValue } from './names.js';
import { PROTOCOLS, SERVICE_NAME_LABEL, unwatchedLabel, type EndpointSlice, type Protocol, type SliceEndpoint, type SlicePort } from './types.js';

/*
 * A large cluster has a hundred thousand endpoints, nearly always well formed. These functions read
 * that common case directly, without the FieldReader's path bookkeeping, and give up (undefined) on
 * anything else: a missing or mistyped field, an invalid name or address, even one the checked
 * reader would only warn about. decodeEndpointSlice then reads the object again with the checked
 * reader, which reports every problem. What is accepted here is exactly what the checked reader
 * accepts without a diagnostic, read to the same value.
 */

const absent = (v: unknown): v is undefined | null => v === undefined || v === null;
const isMapping = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The zone or node hints of an endpoint without any (shared: most endpoints have none). */
export const NO_HINTS: readonly string[] = Object.freeze([]);

/** Each item of an optional list through `read`; undefined when the list or any item is not as expected. */
function quickList<T>(value: unknown, read: (item: unknown) => T | undefined): T[] | undefined {
  if (absent(value)) return [];
  if (!Array.isArray(value)) return undefined;
  const out: T[] = [];
  for (const item of value) {
    const t = read(item);
    if (t === undefined) return undefined;
    out.push(t);
  }
  return out;
}

/**
 * Whether `a` is an address of the slice's type that the checked reader takes without a word (an
 * address the API server would refuse gets a warning there). Canonical IPv4 text, nearly every
 * address, is checked without parsing.
 */
export function isPlainAddress(a: string, addressType: EndpointSlice['addressType']): boolean {
  if (addressType === 'FQDN' || (addressType === 'IPv4' && isCanonicalIPv4(a) && !mayBeSpecialIPv4(a))) return true;
  const ip = parseIp(a);
  return ip !== undefined && (ip.family === 4) === (addressType === 'IPv4') && !specialIpProblem(ip);
}

/** An optional boolean: `undefined` when absent, `null` (give up) when not a boolean. */
function quickBoolean(v: unknown): boolean | undefined | null {
  if (absent(v)) return undefined;
  return typeof v === 'boolean' ? v : null;
}

function quickPort(p: unknown): SlicePort | undefined {
  if (!isMapping(p)) return undefined;
  const name = absent(p.name) ? '' : p.name;
  if (typeof name !== 'string' || (name !== '' && dns1123Label(name))) return undefined;
  const protocol = absent(p.protocol) ? 'TCP' : p.protocol;
  if (!(PROTOCOLS as readonly unknown[]).includes(protocol)) return undefined;
  // A port kube-proxy ignores (none, or 0) is left to the checked reader, which says so.
  const port = p.port;
  if (typeof port !== 'number' || !Number.isSafeInteger(port) || port < 1 || port > 65535) return undefined;
  return { name, protocol: protocol as Protocol, port };
}

function quickAddresses(list: unknown, addressType: EndpointSlice['addressType']): readonly string[] | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  for (const a of list) if (typeof a !== 'string' || !isPlainAddress(a, addressType)) return undefined;
  // Every address is valid, so the list is used as it is rather than copied.
  return list as readonly string[];
}

/** `hints.forZones` or `hints.forNodes`: their names. */
function quickHints(hints: unknown, field: 'forZones' | 'forNodes'): readonly string[] | undefined {
  if (absent(hints)) return NO_HINTS;
  if (!isMapping(hints)) return undefined;
  const list = hints[field];
  if (absent(list)) return NO_HINTS;
  return quickList(list, (z) => (isMapping(z) && typeof z.name === 'string' ? z.name : undefined));
}

function quickEndpoint(e: unknown, addressType: EndpointSlice['addressType']): SliceEndpoint | undefined {
  if (!isMapping(e)) return undefined;
  const addresses = quickAddresses(e.addresses, addressType);
  if (!addresses) return undefined;
  const c = e.conditions;
  if (!absent(c) && !isMapping(c)) return undefined;
  const ready = quickBoolean(c?.ready);
  const serving = quickBoolean(c?.serving);
  const terminating = quickBoolean(c?.terminating);
  if (ready === null || serving === null || terminating === null) return undefined;
  const nodeName = absent(e.nodeName) ? undefined : e.nodeName;
  if (nodeName !== undefined && (typeof nodeName !== 'string' || dns1123Subdomain(nodeName))) return undefined;
  const zone = absent(e.zone) ? undefined : e.zone;
  if (zone !== undefined && typeof zone !== 'string') return undefined;
  if (!absent(e.hostname) && (typeof e.hostname !== 'string' || dns1123Label(e.hostname))) return undefined;
  const zoneHints = quickHints(e.hints, 'forZones');
  const nodeHints = quickHints(e.hints, 'forNodes');
  if (!zoneHints || !nodeHints) return undefined;
  return { addresses, ready, serving, terminating, nodeName, zone, zoneHints, nodeHints };
}

/** A well-formed EndpointSlice read directly; undefined for anything the checked reader should look at. */
export function quickEndpointSlice(raw: RawObject): EndpointSlice | undefined {
  const v = raw.value;
  const meta = v.metadata;
  if (!isMapping(meta)) return undefined;
  const name = meta.name;
  const namespace = absent(meta.namespace) || meta.namespace === '' ? 'default' : meta.namespace;
  if (typeof name !== 'string' || dns1123Subdomain(name) || typeof namespace !== 'string' || dns1123Label(namespace)) return undefined;
  const addressType = v.addressType;
  if (addressType !== 'IPv4' && addressType !== 'IPv6' && addressType !== 'FQDN') return undefined;
  const labels = meta.labels;
  if (!absent(labels) && !isMapping(labels)) return undefined;
  const unwatchedBy = unwatchedLabel(labels);
  const serviceName = absent(labels?.[SERVICE_NAME_LABEL]) ? '' : labels?.[SERVICE_NAME_LABEL];
  if (typeof serviceName !== 'string' || (serviceName !== '' && labelValue(serviceName))) return undefined;
  const ports = quickList(v.ports, quickPort);
  if (ports && ports.length > 1 && new Set(ports.map((p) => p.name)).size !== ports.length) return undefined;
  const endpoints = quickList(v.endpoints, (e) => quickEndpoint(e, addressType));
  if (!ports || !endpoints) return undefined;
  // A field the API does not define gets a warning from the checked reader.
  if (hasUnknownFields(v, ENDPOINT_SLICE)) return undefined;
  return { namespace, name, serviceName, addressType, ports, endpoints, origin: raw.file, ...(unwatchedBy ? { unwatchedBy } : {}) };
}
