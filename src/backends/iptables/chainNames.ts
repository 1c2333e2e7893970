import { hashedName } from '../../util/hash.js';
import type { Endpoint, ServicePort } from '../../model/types.js';

/** Per-service chain names; one hash of `id + proto` serves SVC, SVL, EXT and FW. */
export interface ServiceChains {
  readonly svc: string;
  readonly svl: string;
  readonly ext: string;
  readonly fw: string;
}

/**
 * `prefix + hash` as a flat string. `+` and templates build a two-piece rope, which every sort
 * comparison and Map lookup must flatten first; join copies the characters once instead.
 */
function flat(prefix: string, hash: string): string {
  return [prefix, hash].join('');
}

export function serviceChains(sp: ServicePort): ServiceChains {
  const svc = hashedName('KUBE-SVC-', sp.id, sp.proto);
  // The four share one hash: the others are the same text after another prefix.
  const h = svc.slice(9);
  return { svc, svl: flat('KUBE-SVL-', h), ext: flat('KUBE-EXT-', h), fw: flat('KUBE-FW-', h) };
}

export function endpointChain(sp: ServicePort, ep: Endpoint): string {
  return hashedName('KUBE-SEP-', sp.id, sp.proto, ep.hostPort);
}

/** Prefixes of the chains kube-proxy owns per service (stale ones are deleted by name). */
export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'] as const;
