import type { Ruleset } from '../ir/iptables.js';
import type { NodeModel } from '../model/types.js';
import { lowerIptables } from '../backends/iptables/lowerIptables.js';
import { renderRestore } from '../backends/iptables/renderRestore.js';
import { diffAnnotated, type DiffResult } from '../diff/diffStates.js';
import { restoreDelta } from '../diff/restoreDelta.js';
import { stateFromRuleset, type RuleState } from '../diff/ruleState.js';

/** A compiled state of the node: model, rules, comparable state and the full payload. */
export interface Compiled {
  readonly model: NodeModel;
  readonly rules: Ruleset;
  readonly state: RuleState;
  readonly fullPayload: string;
}

export function compileState(model: NodeModel): Compiled {
  const rules = lowerIptables(model);
  return { model, rules, state: stateFromRuleset(rules), fullPayload: renderRestore(rules) };
}

/** Figures of one churn step, schema `kproxy-compile/churn/v1`. */
export interface StepReport {
  readonly step: number;
  readonly name: string;
  readonly endpoints: readonly { readonly service: string; readonly added: readonly string[]; readonly removed: readonly string[] }[];
  readonly rules: { readonly added: number; readonly removed: number; readonly changed: number };
  readonly chains: { readonly added: number; readonly removed: number };
  readonly deltaBytes: number;
  readonly deltaLines: number;
  readonly fullBytes: number;
  readonly deltaPayload: string;
}

function endpointChanges(d: DiffResult): StepReport['endpoints'] {
  const by = new Map<string, { added: string[]; removed: string[] }>();
  for (const c of d.changes) {
    if ((c.type !== 'chain-added' && c.type !== 'chain-removed') || !c.chain.startsWith('KUBE-SEP-')) continue;
    const dest = c.rules.map((r) => / --to-destination (\S+)/.exec(r)?.[1]).find(Boolean);
    if (!dest) continue;
    const service = c.service?.split(' -> ')[0] ?? '?';
    let e = by.get(service);
    if (!e) by.set(service, (e = { added: [], removed: [] }));
    (c.type === 'chain-added' ? e.added : e.removed).push(dest);
  }
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([service, e]) => ({ service, ...e }));
}

/** Compares consecutive states: the diff summary, and the partial-sync payload against a full one. */
export function churnStep(step: number, name: string, before: Compiled, after: Compiled): StepReport {
  const d = diffAnnotated(before.state, after.state);
  const perChain = new Map<string, { a: number; r: number }>();
  for (const c of d.changes) {
    if (c.type !== 'rule-added' && c.type !== 'rule-removed') continue;
    const k = `${c.table}/${c.chain}`;
    const e = perChain.get(k) ?? { a: 0, r: 0 };
    if (c.type === 'rule-added') e.a++;
    else e.r++;
    perChain.set(k, e);
  }
  let changed = 0;
  for (const e of perChain.values()) changed += Math.min(e.a, e.r);
  const delta = renderRestore(restoreDelta(before.model, before.rules, after.model, after.rules));
  return {
    step,
    name,
    endpoints: endpointChanges(d),
    rules: { added: d.summary.rulesAdded - changed, removed: d.summary.rulesRemoved - changed, changed },
    chains: { added: d.summary.chainsAdded, removed: d.summary.chainsRemoved },
    deltaBytes: Buffer.byteLength(delta),
    deltaLines: delta.split('\n').length - 1,
    fullBytes: Buffer.byteLength(after.fullPayload),
    deltaPayload: delta,
  };
}
