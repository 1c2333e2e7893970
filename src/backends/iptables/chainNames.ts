import { hashedName, hashedNames } from '../../util/hash.js';
import type { Endpoint, ServicePort } from '../../model/types.js';

/** Per-service chain names; one hash of `id + proto` serves SVC, SVL, EXT and FW. */
export interface ServiceChains {
  readonly svc: string;
  readonly svl: string;
  readonly ext: string;
  readonly fw: string;
}

/** The chains named by one hash of `id + proto`, in ServiceChains' order. */
const SHARED_HASH_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-'];

export function serviceChains(sp: ServicePort): ServiceChains {
  const [svc, svl, ext, fw] = hashedNames(SHARED_HASH_PREFIXES, sp.id, sp.proto);
  return { svc, svl, ext, fw };
}

export function endpointChain(sp: ServicePort, ep: Endpoint): string {
  return hashedName('KUBE-SEP-', sp.id, sp.proto, ep.hostPort);
}

/** Prefixes of the chains kube-proxy owns per service (stale ones are deleted by name). */
export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'] as const;

/** Whether a chain is one of a service port's own chains (by its prefix). */
export const isServiceChain = (c: string): boolean => SERVICE_CHAIN_PREFIXES.some((p) => c.startsWith(p));
