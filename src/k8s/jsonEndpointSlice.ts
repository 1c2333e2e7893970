import type { JsonSpan } from '../input/jsonList.js';
import { FAIL, JsonCursor, type Read } from '../input/jsonCursor.js';
import { dns1123Label, dns1123Subdomain, labelValue } from './names.js';
import { readSliceEndpoint } from './jsonSliceEndpoint.js';
import { SERVICE_NAME_LABEL, type EndpointSlice, type Protocol, type SliceEndpoint, type SlicePort } from './types.js';

/*
 * An EndpointSlice read straight from its JSON bytes, without building the parsed object first:
 * in a large cluster the slices' endpoints are most of the input. It accepts exactly what
 * quickEndpointSlice accepts (the common, well-formed case) and reads it to the same value. For
 * anything else (another kind, an escaped or repeated key, a field quickEndpointSlice would give
 * up on) it returns undefined, and the item is parsed and decoded the ordinary way. A repeated
 * key is left to JSON.parse, which keeps the last one.
 */

type AddressType = EndpointSlice['addressType'];

function readPort(c: JsonCursor): Read<SlicePort> {
  if (c.open(0x7b) !== true) return FAIL;
  let name: string | null = null;
  let protocol: string | null = null;
  let port: number | null = null;
  let seen = 0;
  for (let len = c.nextKey(); len !== -1; len = c.nextKey()) {
    let bit = 0;
    if (c.keyIs(len, 'name')) {
      const v = c.string();
      if (v === FAIL) return FAIL;
      name = v;
      bit = 1;
    } else if (c.keyIs(len, 'protocol')) {
      const v = c.string();
      if (v === FAIL) return FAIL;
      protocol = v;
      bit = 2;
    } else if (c.keyIs(len, 'port')) {
      const v = c.number();
      if (v === FAIL) return FAIL;
      port = v;
      bit = 4;
    } else if (len === -2) {
      return FAIL;
    } else {
      c.skip();
    }
    if (seen & bit) return FAIL;
    seen |= bit;
  }
  protocol ??= 'TCP';
  if (name !== null && name !== '' && dns1123Label(name)) return FAIL;
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') return FAIL;
  if (port !== null && (!Number.isSafeInteger(port) || port < 0 || port > 65535)) return FAIL;
  return { name, protocol: protocol as Protocol, port };
}

/** A list of endpoints or ports: absent or null reads as empty. */
function readList<T>(c: JsonCursor, item: () => Read<T>): Read<T[]> {
  const list = c.list(item);
  return list === null ? [] : list;
}

interface Meta { name: string; namespace: string; serviceName: string }

function readMeta(c: JsonCursor): Read<Meta> {
  if (c.open(0x7b) !== true) return FAIL;
  let name: string | undefined;
  let namespace = 'default';
  let serviceName = '';
  let seen = 0;
  for (let len = c.nextKey(); len !== -1; len = c.nextKey()) {
    let bit = 0;
    if (c.keyIs(len, 'name')) {
      const v = c.string();
      if (typeof v !== 'string') return FAIL;
      name = v;
      bit = 1;
    } else if (c.keyIs(len, 'namespace')) {
      const v = c.string();
      if (v === FAIL) return FAIL;
      namespace = v ?? 'default';
      bit = 2;
    } else if (c.keyIs(len, 'labels')) {
      const labels = c.open(0x7b);
      if (labels === FAIL) return FAIL;
      let label = false;
      if (labels === true) {
        for (let k = c.nextKey(); k !== -1; k = c.nextKey()) {
          if (k === -2) return FAIL;
          if (!c.keyIs(k, SERVICE_NAME_LABEL)) { c.skip(); continue; }
          const v = c.string();
          if (v === FAIL || label) return FAIL;
          label = true;
          serviceName = v ?? '';
        }
      }
      bit = 4;
    } else if (len === -2) {
      return FAIL;
    } else {
      c.skip();
    }
    if (seen & bit) return FAIL;
    seen |= bit;
  }
  if (name === undefined || dns1123Subdomain(name) || dns1123Label(namespace)) return FAIL;
  if (serviceName !== '' && labelValue(serviceName)) return FAIL;
  return { name, namespace, serviceName };
}

/** The EndpointSlice held by an item's JSON text, when it is the common well-formed case. */
export function jsonEndpointSlice(span: JsonSpan, file: string): EndpointSlice | undefined {
  const c = new JsonCursor(span.bytes, span.start);
  let kind: string | undefined;
  let apiVersion: string | undefined;
  let addressType: Read<string | null> | undefined;
  let meta: Meta | undefined;
  let ports: SlicePort[] = [];
  let endpoints: SliceEndpoint[] = [];
  /** Where `endpoints` is when it comes before addressType, which its addresses are checked against. */
  let endpointsAt = -1;
  let seen = 0;
  c.open(0x7b);
  for (let len = c.nextKey(); len !== -1; len = c.nextKey()) {
    let bit = 0;
    if (c.keyIs(len, 'kind')) {
      const v = c.string();
      // Most other items of a large List are Services: leave them as soon as that is known.
      if (v !== 'EndpointSlice') return undefined;
      kind = v;
      bit = 1;
    } else if (c.keyIs(len, 'apiVersion')) {
      const v = c.string();
      if (typeof v !== 'string') return undefined;
      apiVersion = v;
      bit = 2;
    } else if (c.keyIs(len, 'metadata')) {
      const v = readMeta(c);
      if (v === FAIL) return undefined;
      meta = v;
      bit = 4;
    } else if (c.keyIs(len, 'addressType')) {
      addressType = c.string();
      if (addressType !== 'IPv4' && addressType !== 'IPv6' && addressType !== 'FQDN') return undefined;
      bit = 8;
    } else if (c.keyIs(len, 'ports')) {
      const v = readList(c, () => readPort(c));
      if (v === FAIL) return undefined;
      ports = v;
      bit = 16;
    } else if (c.keyIs(len, 'endpoints')) {
      if (addressType === undefined) {
        endpointsAt = c.i;
        c.skip();
      } else {
        const v = readList(c, () => readSliceEndpoint(c, addressType as AddressType));
        if (v === FAIL) return undefined;
        endpoints = v;
      }
      bit = 32;
    } else if (len === -2) {
      return undefined;
    } else {
      c.skip();
    }
    if (seen & bit) return undefined;
    seen |= bit;
  }
  if (kind === undefined || apiVersion === undefined || !apiVersion.startsWith('discovery.k8s.io/') || meta === undefined) return undefined;
  const type = addressType as AddressType | undefined;
  if (type === undefined) return undefined;
  if (endpointsAt >= 0) {
    c.i = endpointsAt;
    const v = readList(c, () => readSliceEndpoint(c, type));
    if (v === FAIL) return undefined;
    endpoints = v;
  }
  return { namespace: meta.namespace, name: meta.name, serviceName: meta.serviceName, addressType: type, ports, endpoints, origin: file };
}
