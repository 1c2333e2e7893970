import type { Rule, Ruleset, Table } from '../ir/iptables.js';
import type { NodeModel, ServicePort } from '../model/types.js';
import { canonicalTable } from '../backends/iptables/canonicalOrder.js';
import { isServiceChain } from '../backends/iptables/chainNames.js';
import { isLargeCluster } from '../backends/iptables/lowerIptables.js';
import { ownChainNames } from '../backends/iptables/serviceChainRules.js';
import { planService } from '../backends/iptables/serviceEntryRules.js';
import { sameData } from '../util/sameData.js';

/** Everything of a model except its service ports: when this differs, kube-proxy syncs fully. */
export function nodeFingerprint(m: NodeModel): string {
  const { servicePorts: _s, totalEndpoints: _t, ...rest } = m;
  return JSON.stringify(rest);
}

function byService(m: NodeModel): Map<string, ServicePort[]> {
  const out = new Map<string, ServicePort[]>();
  for (const sp of m.servicePorts) {
    const k = `${sp.namespace}/${sp.service}`;
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(sp);
  }
  return out;
}

/** Services (ns/name) whose ports or endpoints differ between two models: what a partial sync rewrites. */
export function changedServices(oldModel: NodeModel, newModel: NodeModel): Set<string> {
  const a = byService(oldModel);
  const b = byService(newModel);
  const out = new Set<string>();
  for (const k of new Set([...a.keys(), ...b.keys()])) if (!sameData(a.get(k), b.get(k))) out.add(k);
  return out;
}

/**
 * The iptables-restore payload kube-proxy writes when its state goes from `old` to `new`: every
 * fixed chain, the whole filter table and the nat entry chains as in a full sync, per-service chains
 * only for changed services, and `:CHAIN` + `-X CHAIN` for per-service chains that no longer exist.
 * A change in node-level settings (or `forceFull`: kube-proxy's resync after a failure or a
 * flushed table) means a full sync: the whole payload plus the deletions. `changed` is
 * changedServices(old, new), passed in when the caller has it already.
 *
 * `deferCleanup`: in large-cluster mode kube-proxy deletes chains no longer in use only once its
 * sync period has passed since it last did (listing the node's chains is slow on a large
 * ruleset); a sync inside that period leaves them, with no `:CHAIN` / `-X CHAIN` lines. Below
 * large-cluster mode every sync deletes them, and the flag changes nothing.
 */
export function restoreDelta(oldModel: NodeModel, oldRules: Ruleset, newModel: NodeModel, newRules: Ruleset, forceFull = false, changed = changedServices(oldModel, newModel), deferCleanup = false): Ruleset {
  const cleanup = !(deferCleanup && isLargeCluster(newModel));
  const full = forceFull || nodeFingerprint(oldModel) !== nodeFingerprint(newModel);
  const keep = new Set<string>();
  for (const sp of newModel.servicePorts) {
    if (!full && !changed.has(`${sp.namespace}/${sp.service}`)) continue;
    for (const c of ownChainNames(planService(sp))) keep.add(c);
  }
  const oldNat = oldRules.payload.find((t) => t.name === 'nat');
  // The tables come in canonical order whatever order the rulesets are in.
  const payload: Table[] = newRules.payload.map((t) => {
    if (t.name !== 'nat') return canonicalTable(t);
    const active = new Set(t.chains);
    const stale = cleanup ? (oldNat?.chains ?? []).filter((c) => isServiceChain(c) && !active.has(c)) : [];
    const chains = t.chains.filter((c) => !isServiceChain(c) || keep.has(c));
    const rules: Rule[] = t.rules.filter((r) => !isServiceChain(r.chain) || keep.has(r.chain));
    const sorted = canonicalTable({ name: 'nat', chains: [...chains, ...stale], rules, deleted: [] });
    return { ...sorted, deleted: [...stale].sort() };
  });
  return { ...newRules, payload };
}
