import type { Ruleset } from '../ir/iptables.js';
import type { NodeModel } from '../model/types.js';
import { lowerIptables, LARGE_CLUSTER_ENDPOINTS, type EntryCache } from '../backends/iptables/lowerIptables.js';
import { changedServices, nodeFingerprint } from './restoreDelta.js';

/**
 * Lowers two models for comparison. When only some services changed, the own chains of the
 * others are identical on both sides by construction, so both sides leave them out: a 1 % churn
 * of a large cluster then costs a fraction of two full compiles. `purpose` decides what "only
 * some services changed" means: a semantic diff also needs the same large-cluster mode (it changes
 * every comment), kube-proxy's partial sync does not look at it. `changed` comes back for the caller.
 * For 'diff' the rulesets are not put in canonical order (see lowerIptables): they only become states.
 */
export function lowerPair(oldModel: NodeModel, newModel: NodeModel, purpose: 'diff' | 'delta', forceFull = false): { oldRules: Ruleset; newRules: Ruleset; changed: Set<string> } {
  const large = (m: NodeModel) => m.totalEndpoints > LARGE_CLUSTER_ENDPOINTS;
  const changed = changedServices(oldModel, newModel);
  const partial = !forceFull && nodeFingerprint(oldModel) === nodeFingerprint(newModel) && (purpose === 'delta' || large(oldModel) === large(newModel));
  // A semantic diff builds rule states, which group and order rules themselves.
  const order = purpose === 'diff' ? 'none' : 'canonical';
  if (!partial) return { oldRules: lowerIptables(oldModel, undefined, order), newRules: lowerIptables(newModel, undefined, order), changed };
  const skip = (sp: { namespace: string; service: string }) => !changed.has(`${sp.namespace}/${sp.service}`);
  // Same node-level settings: a service port object both models share has the same entry rules.
  const entries: EntryCache = new Map();
  return { oldRules: lowerIptables(oldModel, skip, order, entries), newRules: lowerIptables(newModel, skip, order, entries), changed };
}
