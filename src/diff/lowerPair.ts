import type { Rule, Ruleset, Table } from '../ir/iptables.js';
import { sameData } from '../util/sameData.js';
import type { NodeModel } from '../model/types.js';
import { entryCache, isLargeCluster, lowerIptables } from '../backends/iptables/lowerIptables.js';
import { changedServices, nodeFingerprint } from './restoreDelta.js';

const isEndpointChain = (c: string) => c.startsWith('KUBE-SEP-');

/** Each endpoint chain of a nat table with its rules. */
function endpointChains(nat: Table): Map<string, Rule[]> {
  const out = new Map<string, Rule[]>();
  for (const c of nat.chains) if (isEndpointChain(c)) out.set(c, []);
  for (const r of nat.rules) if (isEndpointChain(r.chain)) out.get(r.chain)?.push(r);
  return out;
}

/**
 * Both rulesets without the endpoint (KUBE-SEP) chains that are the same on both sides: most
 * endpoints of a changed service did not change. Such a chain shows no difference and names
 * nothing another chain is named after (a chain takes its service from entry rules and SVC
 * chains, which stay), so leaving it out of both sides changes no part of a diff.
 */
function withoutSameEndpointChains(oldRules: Ruleset, newRules: Ruleset): { oldRules: Ruleset; newRules: Ruleset } {
  const oldNat = oldRules.payload.find((t) => t.name === 'nat');
  const newNat = newRules.payload.find((t) => t.name === 'nat');
  if (!oldNat || !newNat) return { oldRules, newRules };
  const before = endpointChains(oldNat);
  const same = new Set<string>();
  for (const [chain, rules] of endpointChains(newNat)) {
    const old = before.get(chain);
    if (old && sameData(old, rules)) same.add(chain);
  }
  if (same.size === 0) return { oldRules, newRules };
  const cut = (rs: Ruleset): Ruleset => ({
    ...rs,
    payload: rs.payload.map((t) => (t.name === 'nat' ? { ...t, chains: t.chains.filter((c) => !same.has(c)), rules: t.rules.filter((r) => !same.has(r.chain)) } : t)),
  });
  return { oldRules: cut(oldRules), newRules: cut(newRules) };
}

/**
 * Lowers two models for comparison. When only some services changed, the own chains of the
 * others are identical on both sides by construction, so both sides leave them out: a 1 % churn
 * of a large cluster then costs a fraction of two full compiles. `purpose` decides what "only
 * some services changed" means: a semantic diff also needs the same large-cluster mode (it changes
 * every comment), kube-proxy's partial sync does not look at it. `changed` comes back for the caller.
 * For 'diff' the rulesets are not put in canonical order (see lowerIptables): they only become states.
 */
export function lowerPair(oldModel: NodeModel, newModel: NodeModel, purpose: 'diff' | 'delta', forceFull = false): { oldRules: Ruleset; newRules: Ruleset; changed: Set<string> } {
  const changed = changedServices(oldModel, newModel);
  const partial = !forceFull && nodeFingerprint(oldModel) === nodeFingerprint(newModel) && (purpose === 'delta' || isLargeCluster(oldModel) === isLargeCluster(newModel));
  // A semantic diff builds rule states, which group and order rules themselves.
  const order = purpose === 'diff' ? 'none' : 'canonical';
  if (!partial) return { oldRules: lowerIptables(oldModel, undefined, order), newRules: lowerIptables(newModel, undefined, order), changed };
  const skip = (sp: { namespace: string; service: string }) => !changed.has(`${sp.namespace}/${sp.service}`);
  // Same node-level settings: a service port object both models share has the same entry rules.
  const entries = entryCache();
  const oldRules = lowerIptables(oldModel, skip, order, entries);
  const newRules = lowerIptables(newModel, skip, order, entries);
  return purpose === 'diff' ? { ...withoutSameEndpointChains(oldRules, newRules), changed } : { oldRules, newRules, changed };
}
