import { chainHash } from '../../util/hash.js';
import type { Endpoint, ServicePort } from '../../model/types.js';

/** Per-service chain names; one hash of `id + proto` serves SVC, SVL, EXT and FW. */
export interface ServiceChains {
  readonly svc: string;
  readonly svl: string;
  readonly ext: string;
  readonly fw: string;
}

export function serviceChains(sp: ServicePort): ServiceChains {
  const h = chainHash(sp.id + sp.proto);
  return { svc: `KUBE-SVC-${h}`, svl: `KUBE-SVL-${h}`, ext: `KUBE-EXT-${h}`, fw: `KUBE-FW-${h}` };
}

export function endpointChain(sp: ServicePort, ep: Endpoint): string {
  return `KUBE-SEP-${chainHash(sp.id + sp.proto + ep.hostPort)}`;
}

/** Prefixes of the chains kube-proxy owns per service (stale ones are deleted by name). */
export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'] as const;
