import type { Rule, Ruleset, Table } from '../ir/iptables.js';
import { sameData } from '../util/sameData.js';
import type { NodeModel, ServicePort } from '../model/types.js';
import { entryCache, isLargeCluster, lowerIptables } from '../backends/iptables/lowerIptables.js';
import { changedServices, nodeFingerprint } from './restoreDelta.js';
import { isServiceChain } from '../backends/iptables/chainNames.js';
import { sameItems } from '../util/sameItems.js';

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

/** Whether the rules of every chain but the service ports' own are the same objects, in the same order, on both sides. */
function sameEntryChains(oldRules: Ruleset, newRules: Ruleset): boolean {
  if (oldRules.payload.length !== newRules.payload.length) return false;
  return oldRules.payload.every((t, i) => {
    const u = newRules.payload[i];
    if (u.name !== t.name) return false;
    const x = t.rules.filter((r) => !isServiceChain(r.chain));
    const y = u.rules.filter((r) => !isServiceChain(r.chain));
    return sameItems(x, y);
  });
}

/**
 * Lowers two models for comparison. When only some services changed, the own chains of the
 * others are identical on both sides by construction, so both sides leave them out: a 1 % churn
 * of a large cluster then costs a fraction of two full compiles. `purpose` decides what "only
 * some services changed" means: a semantic diff also needs the same large-cluster mode (it changes
 * every comment), kube-proxy's partial sync does not look at it. `changed` comes back for the caller.
 * The rulesets are not put in canonical order (see lowerIptables): their users order what they keep.
 */
export function lowerPair(oldModel: NodeModel, newModel: NodeModel, purpose: 'diff' | 'delta', forceFull = false): { oldRules: Ruleset; newRules: Ruleset; changed: Set<string> } {
  const changed = changedServices(oldModel, newModel);
  const partial = !forceFull && nodeFingerprint(oldModel) === nodeFingerprint(newModel) && (purpose === 'delta' || isLargeCluster(oldModel) === isLargeCluster(newModel));
  // Neither purpose needs the rulesets in canonical order: a semantic diff builds rule states, which
  // group and order rules themselves, and a partial-sync payload puts its own tables in order.
  const order = 'none';
  if (!partial) return { oldRules: lowerIptables(oldModel, undefined, order), newRules: lowerIptables(newModel, undefined, order), changed };
  // The service ports of services that did not change, found once: each lowering asks of every port.
  const unchanged = new Set<ServicePort>();
  for (const m of [oldModel, newModel]) for (const sp of m.servicePorts) if (!changed.has(`${sp.namespace}/${sp.service}`)) unchanged.add(sp);
  const skip = (sp: ServicePort) => unchanged.has(sp);
  // Same node-level settings: a service port object both models share has the same entry rules.
  const entries = entryCache();
  if (purpose === 'diff') {
    // When only endpoints changed, the changed services' entry rules read the same on both sides,
    // and so do the entry chains whole: no difference lies in them, and of their rules only those
    // of the changed services name anything a diff reports (a service's entry rules jump to its
    // own chains). The others are then left out of both sides. Whether they do is seen first from
    // the changed services' entry rules and the fixed rules alone (no own chain), which the cache
    // keeps for the lowering proper.
    const noOwn = () => true;
    const agree = sameEntryChains(lowerIptables(oldModel, noOwn, order, entries, skip), lowerIptables(newModel, noOwn, order, entries, skip));
    const leaveOut = agree ? skip : undefined;
    return { ...withoutSameEndpointChains(lowerIptables(oldModel, skip, order, entries, leaveOut), lowerIptables(newModel, skip, order, entries, leaveOut)), changed };
  }
  const oldRules = lowerIptables(oldModel, skip, order, entries);
  const newRules = lowerIptables(newModel, skip, order, entries);
  return { oldRules, newRules, changed };
}
