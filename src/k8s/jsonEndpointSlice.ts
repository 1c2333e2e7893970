import type { JsonSpan } from '../input/jsonList.js';
import { FAIL, JsonCursor, type Read } from '../input/jsonCursor.js';
import { dns1123Label, dns1123Subdomain, labelValue } from './names.js';
import { readSliceEndpoint } from './jsonSliceEndpoint.js';
import { ENDPOINT_SLICE, otherFields } from './objectSchema.js';
import { SERVICE_NAME_LABEL, UNWATCHED_LABELS, type EndpointSlice, type Protocol, type SliceEndpoint, type SlicePort } from './types.js';

/*
 * An EndpointSlice read straight from its JSON bytes, without building the parsed object first:
 * in a large cluster the slices' endpoints are most of the input. It accepts exactly what
 * quickEndpointSlice accepts (the common, well-formed case) and reads it to the same value. For
 * anything else (another kind, an escaped or repeated key, a field quickEndpointSlice would give
 * up on) it returns undefined, and the item is parsed and decoded the ordinary way. A repeated
 * key is left to JSON.parse, which keeps the last one.
 */

type AddressType = EndpointSlice['addressType'];

const PORT = ['name', 'protocol', 'port'];
/** The fields of a slice port that are not read, only known (see objectSchema). */
const PORT_OTHERS = otherFields(ENDPOINT_SLICE.ports, PORT);

function readPort(c: JsonCursor): Read<SlicePort> {
  if (c.open(0x7b) !== true) return FAIL;
  let name: Read<string | null> = null;
  let protocol: Read<string | null> = null;
  let port: Read<number | null> = null;
  let f: number;
  while ((f = c.nextField(PORT, PORT_OTHERS)) >= 0) {
    if (f === 0) name = c.string();
    else if (f === 1) protocol = c.string();
    else port = c.number();
    if (name === FAIL || protocol === FAIL || port === FAIL) return FAIL;
  }
  if (f === -2) return FAIL;
  protocol ??= 'TCP';
  name ??= '';
  if (name !== '' && dns1123Label(name)) return FAIL;
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') return FAIL;
  // A port kube-proxy ignores (none, or 0) is left to the checked reader, which says so.
  if (port === null || !Number.isSafeInteger(port) || port < 1 || port > 65535) return FAIL;
  return { name, protocol: protocol as Protocol, port };
}

/** A list of endpoints or ports: absent or null reads as empty. */
function readList<T>(c: JsonCursor, item: () => Read<T>): Read<T[]> {
  const list = c.list(item);
  return list === null ? [] : list;
}

interface Meta { name: string; namespace: string; serviceName: string; unwatchedBy?: string }

const META = ['name', 'namespace', 'labels'];
const META_OTHERS = otherFields(ENDPOINT_SLICE.metadata, META);
/** The service-name label, then the labels that keep a slice out of kube-proxy's view, in UNWATCHED_LABELS order. */
const LABELS = [SERVICE_NAME_LABEL, ...UNWATCHED_LABELS];

function readMeta(c: JsonCursor): Read<Meta> {
  if (c.open(0x7b) !== true) return FAIL;
  let name: string | undefined;
  let namespace = 'default';
  let serviceName = '';
  /** The index in LABELS of the first unwatched label the slice has (0: none). */
  let unwatched = 0;
  let f: number;
  while ((f = c.nextField(META, META_OTHERS)) >= 0) {
    if (f === 2) {
      const labels = c.open(0x7b);
      if (labels === FAIL) return FAIL;
      let g = -1;
      if (labels === true) {
        while ((g = c.nextField(LABELS)) >= 0) {
          const v = c.string();
          if (v === FAIL) return FAIL;
          if (g === 0) serviceName = v ?? '';
          else if (unwatched === 0 || g < unwatched) unwatched = g;
        }
      }
      if (g === -2) return FAIL;
      continue;
    }
    const v = c.string();
    if (f === 0) {
      if (typeof v !== 'string') return FAIL;
      name = v;
    } else {
      if (v === FAIL) return FAIL;
      namespace = v || 'default';
    }
  }
  if (f === -2 || name === undefined || dns1123Subdomain(name) || dns1123Label(namespace)) return FAIL;
  if (serviceName !== '' && labelValue(serviceName)) return FAIL;
  return unwatched ? { name, namespace, serviceName, unwatchedBy: LABELS[unwatched] } : { name, namespace, serviceName };
}

const SLICE = ['kind', 'apiVersion', 'metadata', 'addressType', 'ports', 'endpoints'];
const NO_OTHERS = otherFields(ENDPOINT_SLICE, SLICE);

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
  c.open(0x7b);
  let f: number;
  while ((f = c.nextField(SLICE, NO_OTHERS)) >= 0) {
    switch (f) {
      case 0:
        // Most other items of a large List are Services: leave them as soon as that is known.
        if (c.string() !== 'EndpointSlice') return undefined;
        kind = 'EndpointSlice';
        break;
      case 1: {
        const v = c.string();
        if (typeof v !== 'string') return undefined;
        apiVersion = v;
        break;
      }
      case 2: {
        const v = readMeta(c);
        if (v === FAIL) return undefined;
        meta = v;
        break;
      }
      case 3:
        addressType = c.string();
        if (addressType !== 'IPv4' && addressType !== 'IPv6' && addressType !== 'FQDN') return undefined;
        break;
      case 4: {
        const v = readList(c, () => readPort(c));
        if (v === FAIL) return undefined;
        if (v.length > 1 && new Set(v.map((p) => p.name)).size !== v.length) return undefined;
        ports = v;
        break;
      }
      default:
        if (addressType === undefined) {
          endpointsAt = c.i;
          c.skip();
        } else {
          const v = readList(c, () => readSliceEndpoint(c, addressType as AddressType));
          if (v === FAIL) return undefined;
          endpoints = v;
        }
    }
  }
  if (f === -2) return undefined;
  if (kind === undefined || apiVersion !== 'discovery.k8s.io/v1' || meta === undefined) return undefined;
  const type = addressType as AddressType | undefined;
  if (type === undefined) return undefined;
  if (endpointsAt >= 0) {
    c.i = endpointsAt;
    const v = readList(c, () => readSliceEndpoint(c, type));
    if (v === FAIL) return undefined;
    endpoints = v;
  }
  const slice = { namespace: meta.namespace, name: meta.name, serviceName: meta.serviceName, addressType: type, ports, endpoints, origin: file };
  return meta.unwatchedBy ? { ...slice, unwatchedBy: meta.unwatchedBy } : slice;
}
