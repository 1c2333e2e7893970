import type { JsonSpan } from '../input/jsonList.js';
import { FAIL, JsonCursor, type Read } from '../input/jsonCursor.js';
import { isCanonicalIPv4, parseIp } from '../util/ip.js';
import { dns1123Label, dns1123Subdomain, labelValue } from './names.js';
import { NO_ZONES } from './quickEndpointSlice.js';
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

/** A non-empty list of addresses of the slice's type, as it is. */
function readAddresses(c: JsonCursor, addressType: AddressType): Read<string[]> {
  if (c.open(0x5b) !== true) return FAIL;
  const out: string[] = [];
  while (c.nextItem()) {
    const a = c.string();
    if (typeof a !== 'string') return FAIL;
    if (!(addressType === 'FQDN' || (addressType === 'IPv4' && isCanonicalIPv4(a)))) {
      const ip = parseIp(a);
      if (!ip || (ip.family === 4) !== (addressType === 'IPv4')) return FAIL;
    }
    out.push(a);
  }
  return out.length ? out : FAIL;
}

/** ready / serving / terminating into `into` (undefined when absent or null); false to give up. */
function readConditions(c: JsonCursor, into: { ready?: boolean; serving?: boolean; terminating?: boolean }): boolean {
  const opened = c.open(0x7b);
  if (opened !== true) return opened === null;
  let seen = 0;
  for (let len = c.nextKey(); len !== -1; len = c.nextKey()) {
    const bit = c.keyIs(len, 'ready') ? 1 : c.keyIs(len, 'serving') ? 2 : c.keyIs(len, 'terminating') ? 4 : 0;
    if (len === -2) return false;
    if (bit === 0) { c.skip(); continue; }
    const v = c.boolean();
    if (v === FAIL || seen & bit) return false;
    seen |= bit;
    if (bit === 1) into.ready = v ?? undefined;
    else if (bit === 2) into.serving = v ?? undefined;
    else into.terminating = v ?? undefined;
  }
  return true;
}

/** `hints.forZones[].name`; NO_ZONES when hints or forZones is absent. */
function readZoneHints(c: JsonCursor): Read<readonly string[]> {
  const opened = c.open(0x7b);
  if (opened !== true) return opened === null ? NO_ZONES : FAIL;
  let zones: readonly string[] | undefined;
  for (let len = c.nextKey(); len !== -1; len = c.nextKey()) {
    if (len === -2) return FAIL;
    if (!c.keyIs(len, 'forZones')) { c.skip(); continue; }
    if (zones) return FAIL;
    const list = c.open(0x5b);
    if (list === FAIL) return FAIL;
    const names: string[] = [];
    if (list === true) {
      while (c.nextItem()) {
        if (c.open(0x7b) !== true) return FAIL;
        let name: Read<string | null> | undefined;
        for (let k = c.nextKey(); k !== -1; k = c.nextKey()) {
          if (k === -2) return FAIL;
          if (!c.keyIs(k, 'name')) { c.skip(); continue; }
          if (name !== undefined) return FAIL;
          name = c.string();
          if (name === FAIL) return FAIL;
        }
        if (typeof name !== 'string') return FAIL;
        names.push(name);
      }
    }
    zones = list === null ? NO_ZONES : names;
  }
  return zones ?? NO_ZONES;
}

/**
 * Node names already checked, each kept as one string: a cluster has far fewer nodes than
 * endpoints, and one shared string per node is checked once and compares at once later.
 */
const knownNodes = new Map<string, string>();

function readEndpoint(c: JsonCursor, addressType: AddressType): Read<SliceEndpoint> {
  if (c.open(0x7b) !== true) return FAIL;
  let addresses: readonly string[] | undefined;
  const conditions: { ready?: boolean; serving?: boolean; terminating?: boolean } = {};
  let nodeName: string | undefined;
  let zone: string | undefined;
  let zoneHints: readonly string[] = NO_ZONES;
  let seen = 0;
  for (let len = c.nextKey(); len !== -1; len = c.nextKey()) {
    let bit = 0;
    if (c.keyIs(len, 'addresses')) {
      const v = readAddresses(c, addressType);
      if (v === FAIL) return FAIL;
      addresses = v;
      bit = 1;
    } else if (c.keyIs(len, 'conditions')) {
      if (!readConditions(c, conditions)) return FAIL;
      bit = 2;
    } else if (c.keyIs(len, 'nodeName')) {
      const v = c.string();
      if (v === FAIL) return FAIL;
      if (v !== null) {
        nodeName = knownNodes.get(v);
        if (nodeName === undefined) {
          if (dns1123Subdomain(v)) return FAIL;
          if (knownNodes.size < 65536) knownNodes.set(v, v);
          nodeName = v;
        }
      }
      bit = 4;
    } else if (c.keyIs(len, 'zone')) {
      const v = c.string();
      if (v === FAIL) return FAIL;
      zone = v ?? undefined;
      bit = 8;
    } else if (c.keyIs(len, 'hints')) {
      const v = readZoneHints(c);
      if (v === FAIL) return FAIL;
      zoneHints = v;
      bit = 16;
    } else if (len === -2) {
      return FAIL;
    } else {
      c.skip();
    }
    if (seen & bit) return FAIL;
    seen |= bit;
  }
  if (!addresses) return FAIL;
  return { addresses, ready: conditions.ready, serving: conditions.serving, terminating: conditions.terminating, nodeName, zone, zoneHints };
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
        const v = readList(c, () => readEndpoint(c, addressType as AddressType));
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
    const v = readList(c, () => readEndpoint(c, type));
    if (v === FAIL) return undefined;
    endpoints = v;
  }
  return { namespace: meta.namespace, name: meta.name, serviceName: meta.serviceName, addressType: type, ports, endpoints, origin: file };
}
