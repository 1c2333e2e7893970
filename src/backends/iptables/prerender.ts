import type { Rule, Table } from '../../ir/iptables.js';
import type { NodeModel } from '../../model/types.js';
import { ByteArena, type TextOut } from '../../util/byteText.js';
import { orderByName } from '../../util/orderByName.js';
import type { RenderedRules } from './canonicalOrder.js';
import { lowerParts } from './lowerIptables.js';

/** The payload's parts with every service port's own chains already rendered (see prerender). */
export interface Prerendered {
  /** The filter table and the nat table without the per-service chains, not yet in canonical order. */
  readonly filter: Table;
  readonly nat: Table;
  /** The per-service nat chains, as declared. */
  readonly ownChains: readonly string[];
  /** Their rules, as runs of one chain rendered into `arena`, in the order they were lowered. */
  readonly ownRules: readonly RenderedRules[];
  readonly arena: ByteArena;
}

/**
 * Lowers the model and renders each service port's own chains as soon as they are built. The
 * per-service rules are nearly all of a large ruleset; rendered at once they never pile up as
 * long-lived objects, which is most of what lowering and rendering a large cluster costs.
 */
export function prerender(m: NodeModel, writeRule: (r: Rule, out: TextOut) => void): Prerendered {
  const arena = new ByteArena();
  const ownChains: string[] = [];
  const ownRules: RenderedRules[] = [];
  const { filter, nat } = lowerParts(m, (own) => {
    for (const c of own.chains) ownChains.push(c);
    // Runs, not chains: ordering keeps a chain's runs in their order, so the text comes out the same.
    for (let i = 0; i < own.rules.length; ) {
      const chain = own.rules[i].chain;
      arena.begin();
      for (; i < own.rules.length && own.rules[i].chain === chain; i++) {
        writeRule(own.rules[i], arena);
        arena.endLine();
      }
      const { segment, start, end } = arena.range();
      ownRules.push({ chain, segment, start, end });
    }
  });
  return { filter, nat, ownChains, ownRules, arena };
}

/**
 * The per-service chains in name order, each with its rendered runs: `names[i]`'s runs are
 * `ownRules[first[i]]`, then `ownRules[next[that]]` and so on until -1. One sort of the names
 * serves both the chain declarations and the rules, which all sit after the shared chains' in
 * their table, merged by name (see writeTableWithOwn).
 */
export interface OwnInOrder {
  readonly names: readonly string[];
  readonly first: Int32Array;
  readonly next: Int32Array;
}

export function ownInOrder(pre: Prerendered): OwnInOrder {
  const names = orderByName(pre.ownChains).map((i) => pre.ownChains[i]);
  // Linked from the last run back, so each chain's list comes out in the order the runs were rendered.
  const head = new Map<string, number>();
  const next = new Int32Array(pre.ownRules.length);
  for (let r = pre.ownRules.length - 1; r >= 0; r--) {
    const chain = pre.ownRules[r].chain;
    next[r] = head.get(chain) ?? -1;
    head.set(chain, r);
  }
  const first = new Int32Array(names.length);
  for (let i = 0; i < names.length; i++) first[i] = head.get(names[i]) ?? -1;
  return { names, first, next };
}
