import { chainHash } from '../../util/hash.js';
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
 * comparison and Map lookup must flatten first; chain names are sorted and looked up by the
 * hundred thousand, and join copies the characters once instead.
 */
function chainName(prefix: string, hash: string): string {
  return [prefix, hash].join('');
}

export function serviceChains(sp: ServicePort): ServiceChains {
  const h = chainHash(sp.id + sp.proto);
  return { svc: chainName('KUBE-SVC-', h), svl: chainName('KUBE-SVL-', h), ext: chainName('KUBE-EXT-', h), fw: chainName('KUBE-FW-', h) };
}

export function endpointChain(sp: ServicePort, ep: Endpoint): string {
  return chainName('KUBE-SEP-', chainHash(sp.id + sp.proto + ep.hostPort));
}

/** Prefixes of the chains kube-proxy owns per service (stale ones are deleted by name). */
export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'] as const;
