import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { RawObject } from '../input/rawObject.js';
import { canonicalIpOfFamily, joinHostPort } from '../util/ip.js';
import type { EndpointSlice, SliceEndpoint } from './types.js';

/*
 * kube-proxy merges a Service's EndpointSlices into one endpoint list per service port, keyed by
 * ip:port, walking the slices in Go map order (no fixed order). Inside one slice a later copy of
 * an ip:port replaces an earlier one unless it is terminating. Across slices that makes the copy
 * kept: the one of whichever slice holding a non-terminating copy comes last, or, when every copy
 * is terminating, the first copy of whichever slice comes first. When the copies that could be
 * kept differ, kube-proxy's result is not defined: two nodes (or two syncs) can program different
 * rules. The model walks slices in name order; this says when that choice was a guess.
 */

/** What of an endpoint copy kube-proxy keeps (besides ip:port), as `field=value` texts. */
function traits(e: SliceEndpoint): string[] {
  const sorted = (xs: readonly string[]) => [...new Set(xs)].sort().join(',');
  return [
    `ready=${e.ready ?? true}`,
    `serving=${e.serving ?? true}`,
    `terminating=${e.terminating === true}`,
    `nodeName=${e.nodeName ?? ''}`,
    `hints.forZones=[${sorted(e.zoneHints)}]`,
    `hints.forNodes=[${sorted(e.nodeHints)}]`,
  ];
}

/** One copy of an ip:port in one slice: the slice (index into the group) and the endpoint's index. */
interface Copy {
  readonly slice: number;
  readonly index: number;
  readonly endpoint: SliceEndpoint;
}

/** The copy kube-proxy would keep of one slice's copies (in slice order): the last non-terminating one, else the first. */
function sliceCandidate(copies: readonly Copy[]): { copy: Copy; running: boolean } {
  for (let i = copies.length - 1; i >= 0; i--) if (copies[i].endpoint.terminating !== true) return { copy: copies[i], running: true };
  return { copy: copies[0], running: false };
}

/** A pair of slices whose copies of some endpoints disagree: the copy used here, and the other. */
interface Clash {
  readonly kept: Copy;
  readonly other: Copy;
  readonly hostPort: string;
  readonly differences: string;
}

/**
 * One warning (KPC036) per pair of EndpointSlices of a Service that hold the same ip:port for the
 * same port with copies kube-proxy could keep either of. `slices` and `raws` are parallel; slices
 * kube-proxy skips (no service-name label, FQDN) are not looked at.
 */
export function conflictingEndpoints(slices: readonly EndpointSlice[], raws: readonly RawObject[]): Diagnostic[] {
  // Only a Service with two or more slices of one address type can have copies in two slices.
  const groups = new Map<string, number[]>();
  slices.forEach((s, i) => {
    if (s.serviceName === '' || s.addressType === 'FQDN') return;
    const key = `${s.namespace}/${s.serviceName}|${s.addressType}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const out: Diagnostic[] = [];
  const scratch = new Map<string, number>();
  for (const group of groups.values()) {
    if (group.length < 2 || !sharesAnAddress(slices, group, scratch)) continue;
    group.sort((a, b) => (slices[a].name < slices[b].name ? -1 : slices[a].name > slices[b].name ? 1 : 0));
    for (const clashes of groupClashes(group.map((i) => slices[i])).values()) {
      const first = clashes[0];
      const kept = slices[group[first.kept.slice]];
      const other = slices[group[first.other.slice]];
      const raw = raws[group[first.kept.slice]];
      const field = `endpoints[${first.kept.index}]`;
      const what = clashes.length === 1
        ? `${first.hostPort} is also in EndpointSlice ${other.namespace}/${other.name} of the same Service, as a different copy (${first.differences})`
        : `${first.hostPort} (${first.differences}) and ${clashes.length - 1} more endpoint${clashes.length === 2 ? '' : 's'} are also in EndpointSlice ${other.namespace}/${other.name} of the same Service, as different copies`;
      out.push(diag('KPC036',
        `${what}; kube-proxy reads a Service's slices in no fixed order and may keep either copy, so nodes can disagree; the rules here use this slice's ${clashes.length === 1 ? 'copy' : 'copies'}`,
        { file: raw.file, line: raw.locate(['endpoints', first.kept.index]) ?? raw.locate([]), object: `EndpointSlice ${kept.namespace}/${kept.name}`, field }));
    }
  }
  return out;
}

/**
 * Whether two of the slices hold one address: a quick look before the thorough one, as a Service
 * split over many slices (one per hundred endpoints) nearly never has any.
 */
function sharesAnAddress(slices: readonly EndpointSlice[], group: readonly number[], sliceOf: Map<string, number>): boolean {
  sliceOf.clear();
  for (const k of group) {
    const family = slices[k].addressType === 'IPv6' ? 'IPv6' : 'IPv4';
    for (const e of slices[k].endpoints) {
      const a = e.addresses.length ? canonicalIpOfFamily(e.addresses[0], family) : undefined;
      if (a === undefined) continue;
      const seen = sliceOf.get(a);
      if (seen === undefined) sliceOf.set(a, k);
      else if (seen !== k) return true;
    }
  }
  return false;
}

/** The clashes among one Service's slices (of one address type, in name order), per `kept|other` slice pair. */
function groupClashes(slices: readonly EndpointSlice[]): Map<string, Clash[]> {
  // Copies per port (name, protocol, number) and canonical address, in slice then endpoint order.
  const copies = new Map<string, { hostPort: string; list: Copy[] }>();
  slices.forEach((s, slice) => {
    const family = s.addressType === 'IPv6' ? 'IPv6' : 'IPv4';
    for (const port of s.ports) {
      const number = port.port;
      if (number === null || number === 0) continue;
      s.endpoints.forEach((endpoint, index) => {
        const ip = endpoint.addresses.length ? canonicalIpOfFamily(endpoint.addresses[0], family) : undefined;
        if (ip === undefined) return;
        const hostPort = joinHostPort(ip, number);
        const key = `${port.name}|${port.protocol}|${hostPort}`;
        const known = copies.get(key);
        if (known) known.list.push({ slice, index, endpoint });
        else copies.set(key, { hostPort, list: [{ slice, index, endpoint }] });
      });
    }
  });
  const out = new Map<string, Clash[]>();
  for (const { hostPort, list } of copies.values()) {
    if (list[list.length - 1].slice === list[0].slice) continue;
    const candidates: { copy: Copy; running: boolean }[] = [];
    for (let i = 0; i < list.length; ) {
      let j = i;
      while (j < list.length && list[j].slice === list[i].slice) j++;
      candidates.push(sliceCandidate(list.slice(i, j)));
      i = j;
    }
    const anyRunning = candidates.some((c) => c.running);
    const pool = candidates.filter((c) => c.running || !anyRunning).map((c) => c.copy);
    // In name order the kept copy is the last running slice's, or the first slice's when none runs.
    const kept = anyRunning ? pool[pool.length - 1] : pool[0];
    const keptTraits = traits(kept.endpoint);
    for (const other of pool) {
      if (other === kept) continue;
      const otherTraits = traits(other.endpoint);
      const differ = otherTraits.filter((t, i) => t !== keptTraits[i]);
      if (differ.length === 0) continue;
      const here = keptTraits.filter((t, i) => t !== otherTraits[i]);
      const differences = `there ${differ.join(' ')}, here ${here.join(' ')}`;
      const pair = `${kept.slice}|${other.slice}`;
      const clash = { kept, other, hostPort, differences };
      const known = out.get(pair);
      // The same ip:port under two protocols (DNS on 53/TCP and 53/UDP) is one endpoint to name.
      if (!known) out.set(pair, [clash]);
      else if (!known.some((c) => c.hostPort === hostPort)) known.push(clash);
    }
  }
  return out;
}
