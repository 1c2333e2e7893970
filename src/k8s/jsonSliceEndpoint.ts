import { FAIL, type JsonCursor, type Read } from '../input/jsonCursor.js';
import { dns1123Label, dns1123Subdomain } from './names.js';
import { isPlainAddress, NO_HINTS } from './quickEndpointSlice.js';
import type { EndpointSlice, SliceEndpoint } from './types.js';
import { ENDPOINT, otherFields, type Schema } from './objectSchema.js';

/*
 * One endpoint of an EndpointSlice read from JSON bytes (see jsonEndpointSlice): exactly what
 * quickEndpointSlice accepts for an endpoint, read to the same value, or FAIL.
 */

type AddressType = EndpointSlice['addressType'];

/** A non-empty list of addresses of the slice's type, as it is. */
function readAddresses(c: JsonCursor, addressType: AddressType): Read<string[]> {
  if (c.open(0x5b) !== true) return FAIL;
  const first = c.nextItem() ? address(c, addressType) : FAIL;
  if (first === FAIL) return FAIL;
  // Nearly every endpoint has one address: a list made for one holds one, where pushing to an
  // empty list would reserve room for sixteen (a hundred thousand endpoints keep theirs).
  const out = [first];
  while (c.nextItem()) {
    const a = address(c, addressType);
    if (a === FAIL) return FAIL;
    out.push(a);
  }
  return out;
}

/** The list item at the cursor as an address of the slice's type, or FAIL. */
function address(c: JsonCursor, addressType: AddressType): Read<string> {
  const a = c.string();
  return typeof a === 'string' && isPlainAddress(a, addressType) ? a : FAIL;
}

const CONDITIONS = ['ready', 'serving', 'terminating'] as const;
const CONDITION_OTHERS = otherFields(ENDPOINT.conditions, CONDITIONS);

/** What readConditions read last, each undefined when absent or null (kept here, not in an object per endpoint). */
let readyRead: boolean | undefined;
let servingRead: boolean | undefined;
let terminatingRead: boolean | undefined;

/** ready / serving / terminating into readyRead, servingRead and terminatingRead; false to give up. */
function readConditions(c: JsonCursor): boolean {
  readyRead = servingRead = terminatingRead = undefined;
  const opened = c.open(0x7b);
  if (opened !== true) return opened === null;
  let f: number;
  while ((f = c.nextField(CONDITIONS, CONDITION_OTHERS)) >= 0) {
    const v = c.boolean();
    if (v === FAIL) return false;
    if (f === 0) readyRead = v ?? undefined;
    else if (f === 1) servingRead = v ?? undefined;
    else terminatingRead = v ?? undefined;
  }
  return f === -1;
}

const HINTS = ['forZones', 'forNodes'];
const HINT = ['name'];
const HINTS_OTHERS = otherFields(ENDPOINT.hints, HINTS);
const HINT_OTHERS = otherFields((ENDPOINT.hints as Schema).forZones, HINT);

/** What readHints read last (kept here, not in an object per endpoint). */
let zoneHintsRead: readonly string[] = NO_HINTS;
let nodeHintsRead: readonly string[] = NO_HINTS;

/** `hints.forZones[].name` and `hints.forNodes[].name` into zoneHintsRead / nodeHintsRead; false to give up. */
function readHints(c: JsonCursor): boolean {
  zoneHintsRead = NO_HINTS;
  nodeHintsRead = NO_HINTS;
  const opened = c.open(0x7b);
  if (opened !== true) return opened === null;
  let f: number;
  while ((f = c.nextField(HINTS, HINTS_OTHERS)) >= 0) {
    const list = c.list(() => {
      if (c.open(0x7b) !== true) return FAIL;
      let name: Read<string | null> = FAIL;
      let g: number;
      while ((g = c.nextField(HINT, HINT_OTHERS)) >= 0) {
        name = c.string();
        if (name === FAIL) return FAIL;
      }
      return g === -1 && typeof name === 'string' ? name : FAIL;
    });
    if (list === FAIL) return false;
    if (f === 0) zoneHintsRead = list ?? NO_HINTS;
    else nodeHintsRead = list ?? NO_HINTS;
  }
  return f === -1;
}

/**
 * Node names already checked, each kept as one string: a cluster has far fewer nodes than
 * endpoints, and one shared string per node is checked once and compares at once later.
 */
const knownNodes = new Map<string, string>();

const FIELDS = ['addresses', 'conditions', 'nodeName', 'zone', 'hints', 'hostname'];
const OTHERS = otherFields(ENDPOINT, FIELDS);

/** One endpoint, checked against the slice's address type. */
export function readSliceEndpoint(c: JsonCursor, addressType: AddressType): Read<SliceEndpoint> {
  if (c.open(0x7b) !== true) return FAIL;
  let addresses: Read<readonly string[]> = FAIL;
  let ready: boolean | undefined;
  let serving: boolean | undefined;
  let terminating: boolean | undefined;
  let nodeName: string | undefined;
  let zone: string | undefined;
  let zoneHints = NO_HINTS;
  let nodeHints = NO_HINTS;
  let f: number;
  while ((f = c.nextField(FIELDS, OTHERS)) >= 0) {
    switch (f) {
      case 0:
        addresses = readAddresses(c, addressType);
        if (addresses === FAIL) return FAIL;
        break;
      case 1:
        if (!readConditions(c)) return FAIL;
        ready = readyRead;
        serving = servingRead;
        terminating = terminatingRead;
        break;
      case 2: {
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
        break;
      }
      case 3: {
        const v = c.string();
        if (v === FAIL) return FAIL;
        zone = v ?? undefined;
        break;
      }
      case 4:
        if (!readHints(c)) return FAIL;
        zoneHints = zoneHintsRead;
        nodeHints = nodeHintsRead;
        break;
      default: {
        // Not kept (kube-proxy does not read it); one the checked reader would warn about is left to it.
        const v = c.string();
        if (v === FAIL || (v !== null && dns1123Label(v))) return FAIL;
      }
    }
  }
  if (f === -2 || addresses === FAIL) return FAIL;
  return { addresses, ready, serving, terminating, nodeName, zone, zoneHints, nodeHints };
}
