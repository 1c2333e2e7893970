import type { Rule, Table } from '../../ir/iptables.js';
import type { NodeModel } from '../../model/types.js';
import { ByteArena, type TextOut } from '../../util/byteText.js';
import { grown } from '../../util/grown.js';
import { hashedChainOrder } from './hashedChainOrder.js';
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
   * `r` is `runs[3r]` (segment) `runs[3r+1]` (start) `runs[3r+2]` (end). Numbers in typed arrays,
   * not an object per run: a large cluster has a hundred thousand runs, all alive until the output
   * is written, and arrays sized once are not copied as they grow.
   */
  readonly runs: Int32Array;
  /** Each own chain's service port (its index in the model's servicePorts). */
  readonly ownPort: Int32Array;
  /** Each own chain's first run (-1 for none), and each run's next run of the same chain. */
  readonly firstRun: Int32Array;
  readonly nextRun: Int32Array;
  readonly arena: ByteArena;
}

/**
 * Lowers the model and renders each service port's own chains as soon as they are built. The
 * per-service rules are nearly all of a large ruleset; rendered at once they never pile up as
 * long-lived objects, which is most of what lowering and rendering a large cluster costs.
 */
export function prerender(m: NodeModel, writeRule: (r: Rule, out: TextOut) => void): Prerendered {
  const arena = new ByteArena();
  // Room for every own chain a service port can have (SVC, SVL, EXT, FW and a SEP per endpoint);
  // a run per chain is the usual case, and more is made if a service writes a chain in pieces.
  let room = 16;
  for (const sp of m.servicePorts) room += 4 + sp.reachableEndpoints.length;
  const ownChains: string[] = [];
  let ownPort = new Int32Array(room);
  let firstRun = new Int32Array(room);
  let chains = 0;
  let runs = new Int32Array(3 * room);
  let nextRun = new Int32Array(room);
  let runCount = 0;
  let port = 0;
  const largeCluster = isLargeCluster(m);
  const { filter, nat } = lowerParts(m, (plan) => {
    const own = serviceChainRules(plan, m, largeCluster);
    const base = chains;
    if (chains + own.chains.length > ownPort.length) {
      ownPort = grown(ownPort, chains + own.chains.length);
      firstRun = grown(firstRun, ownPort.length);
    }
    // The last run seen of each of this service's chains, by position in own.chains.
    const lastRun: number[] = [];
    for (const c of own.chains) {
      ownChains.push(c);
      ownPort[chains] = port;
      firstRun[chains++] = -1;
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
      const run = runCount++;
      if (run === nextRun.length) {
        nextRun = grown(nextRun, run + 1);
        runs = grown(runs, 3 * nextRun.length);
      }
      runs[3 * run] = arena.rangeSegment;
      runs[3 * run + 1] = arena.rangeStart;
      runs[3 * run + 2] = arena.rangeEnd;
      nextRun[run] = -1;
      const k = local ? (local.get(chain) ?? -1) : own.chains.indexOf(chain);
      if (k < 0) throw new Error(`rules for undeclared chain ${chain}`);
      if (lastRun[k] < 0) firstRun[base + k] = run;
      else nextRun[lastRun[k]] = run;
      lastRun[k] = run;
    }
    port++;
  });
  return {
    filter, nat, ownChains, arena,
    ownPort: ownPort.subarray(0, chains), firstRun: firstRun.subarray(0, chains),
    runs: runs.subarray(0, 3 * runCount), nextRun: nextRun.subarray(0, runCount),
  };
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
  const order = hashedChainOrder(pre.ownChains);
  return { names: order.map((i) => pre.ownChains[i]), first: order.map((i) => pre.firstRun[i]) };
}
