import type { Endpoint } from './types.js';

export interface Categorized {
  readonly clusterEndpoints: readonly Endpoint[];
  readonly localEndpoints: readonly Endpoint[];
  readonly reachableEndpoints: readonly Endpoint[];
  readonly hasEndpoints: boolean;
}

const usableWhenTerminating = (e: Endpoint) => e.serving && e.terminating;

/** Zone-hint topology applies only when every ready endpoint has hints and one names our zone. */
function canUseTopology(endpoints: readonly Endpoint[], zone: string): boolean {
  let hasForZone = false;
  for (const e of endpoints) {
    if (!e.ready) continue;
    if (e.zoneHints.length === 0) return false;
    if (e.zoneHints.includes(zone)) hasForZone = true;
  }
  return hasForZone;
}

/**
 * Chooses endpoints for Cluster and Local policy as kube-proxy does: ready ones (topology-filtered
 * for Cluster), else serving+terminating ones; `reachableEndpoints` get per-endpoint chains.
 */
export function categorizeEndpoints(endpoints: readonly Endpoint[], usesCluster: boolean, usesLocal: boolean, zone: string): Categorized {
  let clusterEndpoints: readonly Endpoint[] = [];
  let hasEndpoints = false;
  let useTopology = false;
  if (usesCluster) {
    useTopology = zone !== '' && canUseTopology(endpoints, zone);
    clusterEndpoints = endpoints.filter((e) => e.ready && (!useTopology || e.zoneHints.includes(zone)));
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter(usableWhenTerminating);
    hasEndpoints = clusterEndpoints.length > 0;
  }
  if (!usesLocal) return { clusterEndpoints, localEndpoints: [], reachableEndpoints: clusterEndpoints, hasEndpoints };

  let localReady = false;
  let localTerminating = false;
  for (const e of endpoints) {
    if (e.ready) {
      hasEndpoints = true;
      if (e.local) localReady = true;
    } else if (usableWhenTerminating(e)) {
      hasEndpoints = true;
      if (e.local) localTerminating = true;
    }
  }
  let localEndpoints: readonly Endpoint[] = [];
  let fallback = false;
  if (localReady) localEndpoints = endpoints.filter((e) => e.local && e.ready);
  else if (localTerminating) {
    fallback = true;
    localEndpoints = endpoints.filter((e) => e.local && usableWhenTerminating(e));
  }
  if (!usesCluster) return { clusterEndpoints, localEndpoints, reachableEndpoints: localEndpoints, hasEndpoints };
  if (!useTopology && !fallback) return { clusterEndpoints, localEndpoints, reachableEndpoints: clusterEndpoints, hasEndpoints };

  const union = new Map<string, Endpoint>();
  for (const e of clusterEndpoints) union.set(e.hostPort, e);
  for (const e of localEndpoints) union.set(e.hostPort, e);
  const reachableEndpoints = [...union.values()].sort((a, b) => (a.hostPort < b.hostPort ? -1 : a.hostPort > b.hostPort ? 1 : 0));
  return { clusterEndpoints, localEndpoints, reachableEndpoints, hasEndpoints };
}
