import type { Rule, Table } from '../../ir/iptables.js';
import type { NodeModel } from '../../model/types.js';
import { ByteArena, type TextOut } from '../../util/byteText.js';
import { orderByName } from '../../util/orderByName.js';
import { isLargeCluster, lowerParts } from './lowerIptables.js';
import { serviceChainRules } from './serviceChainRules.js';

/** The payload's parts with every service port's own chains already rendered (see prerender). */
export interface Prerendered {
  /** The filter table and the nat table without the per-service chains, not yet in canonical order. */
  readonly filter: Table;
  readonly nat: Table;
  /** The per-service nat chains, as declared. */
  readonly ownChains: readonly string[];
  /**
   * Their rules, as runs of one chain rendered into `arena`, in the order they were lowered: run
   * `r` is `runs[3r]` (segment) `runs[3r+1]` (start) `runs[3r+2]` (end). Numbers, not an object
   * per run: a large cluster has a hundred thousand runs, all alive until the output is written.
   */
  readonly runs: readonly number[];
  /** Each own chain's service port (its index in the model's servicePorts). */
  readonly ownPort: readonly number[];
  /** Each own chain's first run (-1 for none), and each run's next run of the same chain. */
  readonly firstRun: readonly number[];
  readonly nextRun: readonly number[];
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
  const ownPort: number[] = [];
  let port = 0;
  const runs: number[] = [];
  const firstRun: number[] = [];
  const nextRun: number[] = [];
  const largeCluster = isLargeCluster(m);
  const { filter, nat } = lowerParts(m, (plan) => {
    const own = serviceChainRules(plan, m, largeCluster);
    const base = ownChains.length;
    // The last run seen of each of this service's chains, by position in own.chains.
    const lastRun: number[] = [];
    for (const c of own.chains) {
      ownChains.push(c);
      ownPort.push(port);
      firstRun.push(-1);
      lastRun.push(-1);
    }
    const local = own.chains.length > 16 ? new Map(own.chains.map((c, k) => [c, k])) : undefined;
    // Runs, not chains: a chain's runs are written in their order, so the text comes out the same.
    for (let i = 0; i < own.rules.length; ) {
      const chain = own.rules[i].chain;
      arena.begin();
      for (; i < own.rules.length && own.rules[i].chain === chain; i++) {
        writeRule(own.rules[i], arena);
        arena.endLine();
      }
      const { segment, start, end } = arena.range();
      const run = runs.length / 3;
      runs.push(segment, start, end);
      nextRun.push(-1);
      const k = local ? (local.get(chain) ?? -1) : own.chains.indexOf(chain);
      if (k < 0) throw new Error(`rules for undeclared chain ${chain}`);
      if (lastRun[k] < 0) firstRun[base + k] = run;
      else nextRun[lastRun[k]] = run;
      lastRun[k] = run;
    }
    port++;
  });
  return { filter, nat, ownChains, ownPort, runs, firstRun, nextRun, arena };
}

/**
 * The per-service chains in name order, each with its rendered runs: `names[i]`'s runs are
 * run `first[i]`, then run `pre.nextRun[that]` and so on until -1. One sort of the names
 * serves both the chain declarations and the rules, which sit among the shared chains' in their
 * table, merged by name (see writeTableWithOwn).
 */
export interface OwnInOrder {
  readonly names: readonly string[];
  readonly first: readonly number[];
}

export function ownInOrder(pre: Prerendered): OwnInOrder {
  const order = orderByName(pre.ownChains);
  return { names: order.map((i) => pre.ownChains[i]), first: order.map((i) => pre.firstRun[i]) };
}
