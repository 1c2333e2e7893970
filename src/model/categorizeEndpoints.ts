import type { Endpoint } from './types.js';

export interface Categorized {
  readonly clusterEndpoints: readonly Endpoint[];
  readonly localEndpoints: readonly Endpoint[];
  readonly reachableEndpoints: readonly Endpoint[];
  readonly hasEndpoints: boolean;
}

const usableWhenTerminating = (e: Endpoint) => e.serving && e.terminating;

/** Where the node is, for topology hints: its zone label, and its name ('' when node hints are not read). */
export interface HintTarget {
  readonly zone: string;
  readonly node: string;
}

type Hints = 'zoneHints' | 'nodeHints';

/**
 * Hint-based topology applies only when every ready endpoint has hints of that kind and one names
 * us. An empty node name means node hints are off (their gate is). An empty zone (a node without
 * a zone label) is no exception: kube-proxy 1.33 only logs it, so a zone hint "" (which the API
 * server allows) matches it.
 */
function hintsApply(endpoints: readonly Endpoint[], hints: Hints, name: string): boolean {
  if (hints === 'nodeHints' && name === '') return false;
  let named = false;
  for (const e of endpoints) {
    if (!e.ready) continue;
    if (e[hints].length === 0) return false;
    if (e[hints].includes(name)) named = true;
  }
  return named;
}

/** Which hints narrow the cluster endpoints: node hints first (under their gate), then zone hints. */
function topologyMode(endpoints: readonly Endpoint[], at: HintTarget): { hints: Hints; name: string } | undefined {
  if (hintsApply(endpoints, 'nodeHints', at.node)) return { hints: 'nodeHints', name: at.node };
  if (hintsApply(endpoints, 'zoneHints', at.zone)) return { hints: 'zoneHints', name: at.zone };
  return undefined;
}

/**
 * Chooses endpoints for Cluster and Local policy as kube-proxy does: ready ones (topology-filtered
 * for Cluster), else serving+terminating ones; `reachableEndpoints` get per-endpoint chains.
 */
export function categorizeEndpoints(endpoints: readonly Endpoint[], usesCluster: boolean, usesLocal: boolean, at: HintTarget): Categorized {
  let clusterEndpoints: readonly Endpoint[] = [];
  let hasEndpoints = false;
  let useTopology = false;
  if (usesCluster) {
    const mode = topologyMode(endpoints, at);
    useTopology = mode !== undefined;
    clusterEndpoints = endpoints.filter((e) => e.ready && (!mode || e[mode.hints].includes(mode.name)));
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
