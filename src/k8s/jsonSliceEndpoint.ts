import { FAIL, type JsonCursor, type Read } from '../input/jsonCursor.js';
import { isCanonicalIPv4, parseIp } from '../util/ip.js';
import { dns1123Subdomain } from './names.js';
import { NO_ZONES } from './quickEndpointSlice.js';
import type { EndpointSlice, SliceEndpoint } from './types.js';

/*
 * One endpoint of an EndpointSlice read from JSON bytes (see jsonEndpointSlice): exactly what
 * quickEndpointSlice accepts for an endpoint, read to the same value, or FAIL.
 */

type AddressType = EndpointSlice['addressType'];

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

/** One endpoint, checked against the slice's address type. */
export function readSliceEndpoint(c: JsonCursor, addressType: AddressType): Read<SliceEndpoint> {
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

